import type {
  AddTagsInput,
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateModelInput,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  DeleteEndpointConfigInput,
  DeleteEndpointInput,
  DeleteModelInput,
  DeleteTagsInput,
  DescribeEndpointConfigInput,
  DescribeEndpointInput,
  DescribeModelInput,
  DescribeProcessingJobRequest,
  DescribeTrainingJobRequest,
  DescribeTransformJobRequest,
  ListEndpointConfigsInput,
  ListEndpointsInput,
  ListModelsInput,
  ListProcessingJobsRequest,
  ListTagsInput,
  ListTrainingJobsRequest,
  ListTransformJobsRequest,
  StopProcessingJobRequest,
  StopTrainingJobRequest,
  StopTransformJobRequest,
  UpdateEndpointInput,
  UpdateEndpointWeightsAndCapacitiesInput,
} from "@aws-sdk/client-sagemaker";
import type { OperationTable } from "../../core/binding";
import type { SageMakerService } from ".";

/** The SageMaker control plane's operations, by their AWS names (served over awsJson1_1, target SageMaker). */
export function sageMakerOperations(sagemaker: SageMakerService): OperationTable {
  const { training, processing, transform, tags } = sagemaker;
  const { models, endpointConfigs, endpoints } = sagemaker.hosting;
  return {
    CreateTrainingJob: (input: CreateTrainingJobRequest) => training.createTrainingJob(input),
    DescribeTrainingJob: (input: DescribeTrainingJobRequest) => training.describeTrainingJob(input),
    ListTrainingJobs: (input: ListTrainingJobsRequest) => training.listTrainingJobs(input),
    StopTrainingJob: (input: StopTrainingJobRequest) => training.stopTrainingJob(input),

    CreateProcessingJob: (input: CreateProcessingJobRequest) => processing.createProcessingJob(input),
    DescribeProcessingJob: (input: DescribeProcessingJobRequest) => processing.describeProcessingJob(input),
    ListProcessingJobs: (input: ListProcessingJobsRequest) => processing.listProcessingJobs(input),
    StopProcessingJob: (input: StopProcessingJobRequest) => processing.stopProcessingJob(input),

    CreateTransformJob: (input: CreateTransformJobRequest) => transform.createTransformJob(input),
    DescribeTransformJob: (input: DescribeTransformJobRequest) => transform.describeTransformJob(input),
    ListTransformJobs: (input: ListTransformJobsRequest) => transform.listTransformJobs(input),
    StopTransformJob: (input: StopTransformJobRequest) => transform.stopTransformJob(input),

    CreateModel: (input: CreateModelInput) => models.createModel(input),
    DescribeModel: (input: DescribeModelInput) => models.describeModel(input),
    ListModels: (input: ListModelsInput) => models.listModels(input),
    DeleteModel: (input: DeleteModelInput) => models.deleteModel(input),

    CreateEndpointConfig: (input: CreateEndpointConfigInput) => endpointConfigs.createEndpointConfig(input),
    DescribeEndpointConfig: (input: DescribeEndpointConfigInput) =>
      endpointConfigs.describeEndpointConfig(input),
    ListEndpointConfigs: (input: ListEndpointConfigsInput) => endpointConfigs.listEndpointConfigs(input),
    DeleteEndpointConfig: (input: DeleteEndpointConfigInput) => endpointConfigs.deleteEndpointConfig(input),

    CreateEndpoint: (input: CreateEndpointInput) => endpoints.createEndpoint(input),
    DescribeEndpoint: (input: DescribeEndpointInput) => endpoints.describeEndpoint(input),
    ListEndpoints: (input: ListEndpointsInput) => endpoints.listEndpoints(input),
    DeleteEndpoint: (input: DeleteEndpointInput) => endpoints.deleteEndpoint(input),
    UpdateEndpoint: (input: UpdateEndpointInput) => endpoints.updateEndpoint(input),
    UpdateEndpointWeightsAndCapacities: (input: UpdateEndpointWeightsAndCapacitiesInput) =>
      endpoints.updateEndpointWeightsAndCapacities(input),

    AddTags: (input: AddTagsInput) => tags.addTags(input),
    ListTags: (input: ListTagsInput) => tags.listTags(input),
    DeleteTags: (input: DeleteTagsInput) => tags.deleteTags(input),
  };
}
