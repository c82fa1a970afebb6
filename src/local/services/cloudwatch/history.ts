import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type {
  AlarmHistoryItem,
  DescribeAlarmHistoryInput,
  DescribeAlarmHistoryOutput,
  HistoryItemType,
} from "@aws-sdk/client-cloudwatch";
import { pageOf } from "../../core/listing";
import { writeFileAtomically } from "../../core/store";
import { invalidNextToken } from "./errors";

/**
 * Alarm history, as DescribeAlarmHistory answers it: ConfigurationUpdate items (an alarm created, updated,
 * deleted) and StateUpdate items (every state change, from an evaluation or SetAlarmState), each with
 * CloudWatch's HistorySummary and HistoryData JSON. Kept two weeks, as AWS keeps it, in one JSON-lines file that
 * is appended to and rewritten without the expired items when the server starts.
 */

interface StoredItem {
  AlarmName: string;
  Timestamp: number;
  HistoryItemType: HistoryItemType;
  HistorySummary: string;
  HistoryData: string;
}

const KEPT_MS = 14 * 86_400_000;
const DEFAULT_RECORDS = 100;

export class AlarmHistory {
  private readonly items: StoredItem[] = [];

  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    const cutoff = Date.now() - KEPT_MS;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      try {
        const item = JSON.parse(line) as StoredItem;
        if (item.Timestamp >= cutoff) this.items.push(item);
      } catch {
        // a line torn by a crash mid-append
      }
    }
    writeFileAtomically(file, this.items.map((item) => `${JSON.stringify(item)}\n`).join(""));
  }

  add(alarmName: string, type: HistoryItemType, summary: string, data: unknown, at = Date.now()): void {
    const item: StoredItem = {
      AlarmName: alarmName,
      Timestamp: at,
      HistoryItemType: type,
      HistorySummary: summary,
      HistoryData: JSON.stringify(data),
    };
    this.items.push(item);
    appendFileSync(this.file, `${JSON.stringify(item)}\n`);
  }

  describe(input: DescribeAlarmHistoryInput): DescribeAlarmHistoryOutput {
    const from = input.StartDate?.getTime() ?? Number.NEGATIVE_INFINITY;
    const to = input.EndDate?.getTime() ?? Number.POSITIVE_INFINITY;
    const types = input.AlarmTypes;
    const matches = this.items.filter(
      (item) =>
        (input.AlarmName === undefined || item.AlarmName === input.AlarmName) &&
        (input.HistoryItemType === undefined || item.HistoryItemType === input.HistoryItemType) &&
        (types === undefined || types.length === 0 || types.includes("MetricAlarm")) &&
        item.Timestamp >= from &&
        item.Timestamp <= to,
    );
    if ((input.ScanBy ?? "TimestampDescending") === "TimestampDescending") matches.reverse();
    const { page, NextToken } = pageOf(
      matches,
      input.NextToken,
      input.MaxRecords ?? DEFAULT_RECORDS,
      invalidNextToken,
    );
    const items: AlarmHistoryItem[] = page.map((item) => ({
      AlarmName: item.AlarmName,
      AlarmType: "MetricAlarm",
      Timestamp: new Date(item.Timestamp),
      HistoryItemType: item.HistoryItemType,
      HistorySummary: item.HistorySummary,
      HistoryData: item.HistoryData,
    }));
    return { AlarmHistoryItems: items, ...(NextToken ? { NextToken } : {}) };
  }
}
