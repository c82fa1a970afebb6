import type {
  AddTagsInput,
  AssociateTrialComponentRequest,
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateExperimentRequest,
  CreateModelInput,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  CreateTrialComponentRequest,
  CreateTrialRequest,
  DeleteEndpointConfigInput,
  DeleteEndpointInput,
  DeleteExperimentRequest,
  DeleteModelInput,
  DeleteTagsInput,
  DeleteTrialComponentRequest,
  DeleteTrialRequest,
  DescribeEndpointConfigInput,
  DescribeEndpointInput,
  DescribeExperimentRequest,
  DescribeModelInput,
  DescribeProcessingJobRequest,
  DescribeTrainingJobRequest,
  DescribeTransformJobRequest,
  DescribeTrialComponentRequest,
  DescribeTrialRequest,
  DisassociateTrialComponentRequest,
  ListEndpointConfigsInput,
  ListEndpointsInput,
  ListExperimentsRequest,
  ListModelsInput,
  ListProcessingJobsRequest,
  ListTagsInput,
  ListTrainingJobsRequest,
  ListTransformJobsRequest,
  ListTrialComponentsRequest,
  ListTrialsRequest,
  SearchRequest,
  StopProcessingJobRequest,
  StopTrainingJobRequest,
  StopTransformJobRequest,
  UpdateEndpointInput,
  UpdateEndpointWeightsAndCapacitiesInput,
  UpdateTrialComponentRequest,
} from "@aws-sdk/client-sagemaker";
import type { OperationTable } from "../../core/binding";
import type { SageMakerService } from ".";

/** The SageMaker control plane's operations, by their AWS names (served over awsJson1_1, target SageMaker). */
export function sageMakerOperations(sagemaker: SageMakerService): OperationTable {
  const { training, processing, transform, tags, experiments, search } = sagemaker;
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

    CreateExperiment: (input: CreateExperimentRequest) => experiments.createExperiment(input),
    DescribeExperiment: (input: DescribeExperimentRequest) => experiments.describeExperiment(input),
    ListExperiments: (input: ListExperimentsRequest) => experiments.listExperiments(input),
    DeleteExperiment: (input: DeleteExperimentRequest) => experiments.deleteExperiment(input),
    CreateTrial: (input: CreateTrialRequest) => experiments.createTrial(input),
    DescribeTrial: (input: DescribeTrialRequest) => experiments.describeTrial(input),
    ListTrials: (input: ListTrialsRequest) => experiments.listTrials(input),
    DeleteTrial: (input: DeleteTrialRequest) => experiments.deleteTrial(input),
    CreateTrialComponent: (input: CreateTrialComponentRequest) => experiments.createTrialComponent(input),
    DescribeTrialComponent: (input: DescribeTrialComponentRequest) =>
      experiments.describeTrialComponent(input),
    ListTrialComponents: (input: ListTrialComponentsRequest) => experiments.listTrialComponents(input),
    UpdateTrialComponent: (input: UpdateTrialComponentRequest) => experiments.updateTrialComponent(input),
    DeleteTrialComponent: (input: DeleteTrialComponentRequest) => experiments.deleteTrialComponent(input),
    AssociateTrialComponent: (input: AssociateTrialComponentRequest) =>
      experiments.associateTrialComponent(input),
    DisassociateTrialComponent: (input: DisassociateTrialComponentRequest) =>
      experiments.disassociateTrialComponent(input),
    Search: (input: SearchRequest) => search.search(input),

    AddTags: (input: AddTagsInput) => tags.addTags(input),
    ListTags: (input: ListTagsInput) => tags.listTags(input),
    DeleteTags: (input: DeleteTagsInput) => tags.deleteTags(input),
  };
}
