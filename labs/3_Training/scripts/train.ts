/**
 * The local training entry point: local SageMaker's built-in toolkit runs this file with tsx, passing the
 * hyperparameters as `--key value` arguments and the data/model folders as SM_* variables (the same contract
 * as train.py on the Hugging Face DLC). The training itself lives in the workshop package.
 */
import { runSageMakerTraining } from "ko-sagemaker";

runSageMakerTraining(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
