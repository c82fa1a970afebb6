import type {
  CreateLogGroupRequest,
  CreateLogStreamRequest,
  DeleteLogGroupRequest,
  DeleteLogStreamRequest,
  DescribeLogGroupsRequest,
  DescribeLogStreamsRequest,
  FilterLogEventsRequest,
  GetLogEventsRequest,
  PutLogEventsRequest,
} from "@aws-sdk/client-cloudwatch-logs";
import type { OperationTable } from "../../core/binding";
import type { LogsService } from "./service";

/** CloudWatch Logs' operations, by their AWS names (served over awsJson1_1, target prefix Logs_20140328). */
export function logsOperations(logs: LogsService): OperationTable {
  return {
    CreateLogGroup: (input: CreateLogGroupRequest) => logs.createLogGroup(input),
    CreateLogStream: (input: CreateLogStreamRequest) => logs.createLogStream(input),
    DeleteLogGroup: (input: DeleteLogGroupRequest) => logs.deleteLogGroup(input),
    DeleteLogStream: (input: DeleteLogStreamRequest) => logs.deleteLogStream(input),
    PutLogEvents: (input: PutLogEventsRequest) => logs.putLogEvents(input),
    DescribeLogGroups: (input: DescribeLogGroupsRequest) => logs.describeLogGroups(input),
    DescribeLogStreams: (input: DescribeLogStreamsRequest) => logs.describeLogStreams(input),
    GetLogEvents: (input: GetLogEventsRequest) => logs.getLogEvents(input),
    FilterLogEvents: (input: FilterLogEventsRequest) => logs.filterLogEvents(input),
  };
}
