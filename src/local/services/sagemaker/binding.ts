import type {
  AddTagsInput,
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateModelInput,
  CreateModelPackageGroupInput,
  CreateModelPackageInput,
  CreatePipelineRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  DeleteEndpointConfigInput,
  DeleteEndpointInput,
  DeleteModelInput,
  DeleteModelPackageGroupInput,
  DeleteModelPackageInput,
  DeletePipelineRequest,
  DeleteTagsInput,
  DescribeEndpointConfigInput,
  DescribeEndpointInput,
  DescribeModelInput,
  DescribeModelPackageGroupInput,
  DescribeModelPackageInput,
  DescribePipelineDefinitionForExecutionRequest,
  DescribePipelineExecutionRequest,
  DescribePipelineRequest,
  DescribeTrainingJobRequest,
  DescribeTransformJobRequest,
  ListEndpointConfigsInput,
  ListEndpointsInput,
  ListModelPackageGroupsInput,
  ListModelPackagesInput,
  ListModelsInput,
  ListPipelineExecutionStepsRequest,
  ListPipelineExecutionsRequest,
  ListPipelineParametersForExecutionRequest,
  ListPipelinesRequest,
  ListTagsInput,
  ListTrainingJobsRequest,
  ListTransformJobsRequest,
  RetryPipelineExecutionRequest,
  StartPipelineExecutionRequest,
  StopPipelineExecutionRequest,
  StopTrainingJobRequest,
  StopTransformJobRequest,
  UpdateEndpointInput,
  UpdateEndpointWeightsAndCapacitiesInput,
  UpdateModelPackageInput,
  UpdatePipelineRequest,
} from "@aws-sdk/client-sagemaker";
import type { OperationTable } from "../../core/binding";
import type { SageMakerService } from ".";

/** The SageMaker control plane's operations, by their AWS names (served over awsJson1_1, target SageMaker). */
export function sageMakerOperations(sagemaker: SageMakerService): OperationTable {
  const { training, transform, tags, registry, pipelines } = sagemaker;
  const { models, endpointConfigs, endpoints } = sagemaker.hosting;
  return {
    CreateTrainingJob: (input: CreateTrainingJobRequest) => training.createTrainingJob(input),
    DescribeTrainingJob: (input: DescribeTrainingJobRequest) => training.describeTrainingJob(input),
    ListTrainingJobs: (input: ListTrainingJobsRequest) => training.listTrainingJobs(input),
    StopTrainingJob: (input: StopTrainingJobRequest) => training.stopTrainingJob(input),

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

    CreateModelPackageGroup: (input: CreateModelPackageGroupInput) => registry.createModelPackageGroup(input),
    DescribeModelPackageGroup: (input: DescribeModelPackageGroupInput) =>
      registry.describeModelPackageGroup(input),
    ListModelPackageGroups: (input: ListModelPackageGroupsInput) => registry.listModelPackageGroups(input),
    DeleteModelPackageGroup: (input: DeleteModelPackageGroupInput) => registry.deleteModelPackageGroup(input),
    CreateModelPackage: (input: CreateModelPackageInput) => registry.createModelPackage(input),
    DescribeModelPackage: (input: DescribeModelPackageInput) => registry.describeModelPackage(input),
    ListModelPackages: (input: ListModelPackagesInput) => registry.listModelPackages(input),
    UpdateModelPackage: (input: UpdateModelPackageInput) => registry.updateModelPackage(input),
    DeleteModelPackage: (input: DeleteModelPackageInput) => registry.deleteModelPackage(input),

    CreatePipeline: (input: CreatePipelineRequest) => pipelines.createPipeline(input),
    UpdatePipeline: (input: UpdatePipelineRequest) => pipelines.updatePipeline(input),
    DescribePipeline: (input: DescribePipelineRequest) => pipelines.describePipeline(input),
    ListPipelines: (input: ListPipelinesRequest) => pipelines.listPipelines(input),
    DeletePipeline: (input: DeletePipelineRequest) => pipelines.deletePipeline(input),
    StartPipelineExecution: (input: StartPipelineExecutionRequest) => pipelines.startPipelineExecution(input),
    DescribePipelineExecution: (input: DescribePipelineExecutionRequest) =>
      pipelines.describePipelineExecution(input),
    DescribePipelineDefinitionForExecution: (input: DescribePipelineDefinitionForExecutionRequest) =>
      pipelines.describePipelineDefinitionForExecution(input),
    ListPipelineExecutions: (input: ListPipelineExecutionsRequest) => pipelines.listPipelineExecutions(input),
    ListPipelineExecutionSteps: (input: ListPipelineExecutionStepsRequest) =>
      pipelines.listPipelineExecutionSteps(input),
    ListPipelineParametersForExecution: (input: ListPipelineParametersForExecutionRequest) =>
      pipelines.listPipelineParametersForExecution(input),
    StopPipelineExecution: (input: StopPipelineExecutionRequest) => pipelines.stopPipelineExecution(input),
    RetryPipelineExecution: (input: RetryPipelineExecutionRequest) => pipelines.retryPipelineExecution(input),

    AddTags: (input: AddTagsInput) => tags.addTags(input),
    ListTags: (input: ListTagsInput) => tags.listTags(input),
    DeleteTags: (input: DeleteTagsInput) => tags.deleteTags(input),
  };
}
