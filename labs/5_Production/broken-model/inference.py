"""Lab 5.2's broken green model on the Hugging Face inference DLC (AWS mode).

The Python workshop breaks predict_fn with a TypeError ('12' / '34'). On the Hugging Face inference toolkit that is
not a server error: its handler turns every exception in input_fn, predict_fn and output_fn into a 400
(PredictionException(str(e), 400)), so the request counts in Invocation4XXErrors and a 5XX alarm never fires.

This handler breaks the way a real release breaks and still answers 5XX: output_fn returns the scores as a NumPy
array instead of JSON. The toolkit passes it on, and the model server (multi-model-server) cannot serialize it and
answers 503 "Unsupported model output data type."; SageMaker returns ModelError to the caller and counts the request
in Invocation5XXErrors. Model loading and prediction are the toolkit's own, so the fleet starts and passes /ping.
"""

import numpy as np


def _scores(prediction):
    for row in prediction:
        if isinstance(row, dict):
            yield float(row.get("score", 0.0))
        else:
            yield from _scores(row)


def output_fn(prediction, accept):
    # The bug: the raw scores go back as an ndarray, which is not JSON.
    return np.array(list(_scores(prediction)))
