import type { AlarmsView } from "../views";
import { ms } from "./common";
import type { ConsoleSources } from "./sources";

/** CloudWatch metric alarms (and their recent state changes), through the local CloudWatch's typed API. */
export function alarms(sources: ConsoleSources): AlarmsView {
  const { cloudwatch } = sources.context;
  const found: AlarmsView["alarms"] = [];
  let token: string | undefined;
  do {
    const page = cloudwatch.describeAlarms({ NextToken: token, MaxRecords: 100 });
    for (const alarm of page.MetricAlarms ?? []) {
      found.push({
        name: alarm.AlarmName as string,
        state: alarm.StateValue as string,
        reason: alarm.StateReason ?? "",
        updated: ms(alarm.StateUpdatedTimestamp) ?? 0,
        namespace: alarm.Namespace ?? "",
        metric: alarm.MetricName ?? (alarm.Metrics?.length ? "(metric math)" : ""),
        dimensions: (alarm.Dimensions ?? [])
          .map((dimension) => `${dimension.Name}=${dimension.Value}`)
          .join(", "),
        statistic: alarm.Statistic ?? alarm.ExtendedStatistic ?? "",
        period: alarm.Period ?? 0,
        comparison: alarm.ComparisonOperator ?? "",
        threshold: alarm.Threshold ?? 0,
        evaluationPeriods: alarm.EvaluationPeriods ?? 0,
        datapointsToAlarm: alarm.DatapointsToAlarm,
        actions: alarm.AlarmActions ?? [],
      });
    }
    token = page.NextToken;
  } while (token && found.length < 1000);
  const history = (
    cloudwatch.describeAlarmHistory({
      HistoryItemType: "StateUpdate",
      MaxRecords: 50,
      ScanBy: "TimestampDescending",
    }).AlarmHistoryItems ?? []
  ).map((item) => ({
    name: item.AlarmName as string,
    at: ms(item.Timestamp) ?? 0,
    summary: item.HistorySummary ?? "",
  }));
  return { alarms: found, history };
}
