import type {
  DeleteAlarmsInput,
  DescribeAlarmHistoryInput,
  DescribeAlarmsForMetricInput,
  DescribeAlarmsInput,
  DisableAlarmActionsInput,
  EnableAlarmActionsInput,
  GetMetricDataInput,
  GetMetricStatisticsInput,
  ListMetricsInput,
  PutMetricAlarmInput,
  PutMetricDataInput,
  SetAlarmStateInput,
} from "@aws-sdk/client-cloudwatch";
import type { OperationTable } from "../../core/binding";
import type { CloudWatchService } from "./service";

/** CloudWatch's operations, by their AWS names (served over JSON 1.0, awsQuery and RPC v2 CBOR alike). */
export function cloudWatchOperations(cloudwatch: CloudWatchService): OperationTable {
  return {
    PutMetricData: (input: PutMetricDataInput) => cloudwatch.putMetricData(input),
    GetMetricStatistics: (input: GetMetricStatisticsInput) => cloudwatch.getMetricStatistics(input),
    GetMetricData: (input: GetMetricDataInput) => cloudwatch.getMetricData(input),
    ListMetrics: (input: ListMetricsInput) => cloudwatch.listMetrics(input),
    PutMetricAlarm: (input: PutMetricAlarmInput) => cloudwatch.putMetricAlarm(input),
    DescribeAlarms: (input: DescribeAlarmsInput) => cloudwatch.describeAlarms(input),
    DescribeAlarmsForMetric: (input: DescribeAlarmsForMetricInput) =>
      cloudwatch.describeAlarmsForMetric(input),
    DescribeAlarmHistory: (input: DescribeAlarmHistoryInput) => cloudwatch.describeAlarmHistory(input),
    SetAlarmState: (input: SetAlarmStateInput) => cloudwatch.setAlarmState(input),
    DeleteAlarms: (input: DeleteAlarmsInput) => cloudwatch.deleteAlarms(input),
    EnableAlarmActions: (input: EnableAlarmActionsInput) => cloudwatch.enableAlarmActions(input),
    DisableAlarmActions: (input: DisableAlarmActionsInput) => cloudwatch.disableAlarmActions(input),
  };
}
