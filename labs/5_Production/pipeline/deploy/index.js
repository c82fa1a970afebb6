// Lab 5.3's Lambda step: deploys the model version the pipeline just registered to an endpoint, and answers at once
// (a Lambda step waits for the function, not for the endpoint). The version is still PendingManualApproval, and
// SageMaker creates a model from a versioned package only once it is Approved, so this staging deployment uses the
// package's own container (image and artifact); the lab approves the version afterwards. The AWS SDK for JavaScript
// v3 is part of the Lambda Node.js runtime (local Lambda gives its functions the project's copy).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"; // local Lambda runs Node 20, whose notice would fill the log
const {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} = require("@aws-sdk/client-sagemaker");

const sagemaker = new SageMakerClient({});

/** Event: model_package_arn, endpoint_name, instance_type, role (the model's execution role), tags ({key: value}). */
exports.handler = async (event) => {
  const pkg = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: event.model_package_arn }));
  const container = pkg.InferenceSpecification.Containers[0];
  const name = `${event.endpoint_name}-v${pkg.ModelPackageVersion}-${Date.now().toString(36)}`.slice(0, 63);
  const tags = Object.entries(event.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: event.role,
      PrimaryContainer: {
        Image: container.Image,
        ModelDataUrl: container.ModelDataUrl,
        ...(container.Environment ? { Environment: container.Environment } : {}),
      },
      Tags: tags,
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: name,
          InstanceType: event.instance_type,
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
      Tags: tags,
    }),
  );
  // An endpoint still being created or updated (an earlier run's deployment) cannot be updated: wait for it.
  let action = "created";
  const deadline = Date.now() + (event.wait_seconds ?? 60) * 1000;
  for (;;) {
    let status;
    try {
      status = (await sagemaker.send(new DescribeEndpointCommand({ EndpointName: event.endpoint_name }))).EndpointStatus;
    } catch {
      break; // not there yet: create it
    }
    action = "updated";
    if (status === "InService" || status === "Failed") break;
    if (Date.now() > deadline) throw new Error(`Endpoint ${event.endpoint_name} is still ${status}; run the pipeline again later.`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  if (action === "updated") {
    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: event.endpoint_name, EndpointConfigName: name }));
  } else {
    await sagemaker.send(
      new CreateEndpointCommand({ EndpointName: event.endpoint_name, EndpointConfigName: name, Tags: tags }),
    );
  }
  console.log(`${action} endpoint ${event.endpoint_name} with model ${name} (model package version ${pkg.ModelPackageVersion})`);
  return {
    statusCode: 200,
    endpoint_name: event.endpoint_name,
    model_name: name,
    action,
    model_package_version: pkg.ModelPackageVersion,
  };
};
