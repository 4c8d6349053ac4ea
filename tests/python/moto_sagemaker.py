"""moto_server whose SageMaker jobs leave what real jobs leave, for the model-fetch tests.

`python tests/python/moto_sagemaker.py -H 127.0.0.1 -p 0` with MLPIPE_TEST_MODEL_ARCHIVE set to a
model.tar.gz. Plain moto completes a training job at once and writes nothing; a tuning job is a
fixed record naming a best training job that does not exist, and moto has no
ListTrainingJobsForHyperParameterTuningJob. Here:
- every training job stores the archive at its ModelArtifacts address
  (`<OutputDataConfig.S3OutputPath>/<job name>/output/model.tar.gz`) in moto's own S3, with one
  more entry, `job.txt`, holding the job's name, so a test can tell whose archive came back;
- a tuning job starts TRIALS completed training jobs from its definition (trial i sets every
  tuned parameter to its range's minimum, i = 1, or maximum, i = 2; objective 0.5 and 0.75), names
  the second as its best, and ListTrainingJobsForHyperParameterTuningJob lists them.
Everything else is moto_server unchanged (same arguments, same port announcement)."""
import io
import os
import sys
import tarfile

from moto.core.responses import ActionResult
from moto.s3.models import s3_backends
from moto.sagemaker import models
from moto.sagemaker.responses import SageMakerResponse
from moto.server import main

ARCHIVE = os.environ["MLPIPE_TEST_MODEL_ARCHIVE"]
OBJECTIVES = [0.5, 0.75]


def archive_of(job_name):
    """The archive with `job.txt` added (gzip'd tar in, gzip'd tar out)."""
    out = io.BytesIO()
    with tarfile.open(ARCHIVE) as source, tarfile.open(fileobj=out, mode="w:gz") as target:
        for member in source:
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo("job.txt")
        info.size = len(job_name.encode())
        target.addfile(info, io.BytesIO(job_name.encode()))
    return out.getvalue()


create_training = models.FakeTrainingJob.__init__


def create_training_with_artifact(self, account_id, region_name, *args, **kwargs):
    create_training(self, account_id, region_name, *args, **kwargs)
    bucket, key = self.model_artifacts["S3ModelArtifacts"].removeprefix("s3://").split("/", 1)
    s3_backends[account_id]["aws"].put_object(bucket, key, archive_of(self.training_job_name))


models.FakeTrainingJob.__init__ = create_training_with_artifact

create_tuning = models.SageMakerModelBackend.create_hyper_parameter_tuning_job


def tuned_values(ranges, end):
    """Every tuned parameter at one end of its range (`end` 0: minimum, -1: maximum)."""
    tuned = {}
    for kind in ("ContinuousParameterRanges", "IntegerParameterRanges"):
        for r in ranges.get(kind, []):
            tuned[r["Name"]] = r["MinValue"] if end == 0 else r["MaxValue"]
    for r in ranges.get("CategoricalParameterRanges", []):
        tuned[r["Name"]] = r["Values"][end]
    return tuned


def create_tuning_with_trials(self, hyper_parameter_tuning_job_name, hyper_parameter_tuning_job_config,
                              training_job_definition, *args, **kwargs):
    arn = create_tuning(self, hyper_parameter_tuning_job_name, hyper_parameter_tuning_job_config,
                        training_job_definition, *args, **kwargs)
    tuning = self.hyper_parameter_tuning_jobs[hyper_parameter_tuning_job_name]
    definition = training_job_definition
    metric = hyper_parameter_tuning_job_config["HyperParameterTuningJobObjective"]["MetricName"]
    tuning.mlpipe_trials = []
    for number, (end, objective) in enumerate(zip((0, -1), OBJECTIVES), start=1):
        name = f"{hyper_parameter_tuning_job_name}-{number:03d}-{number:08x}"
        tuned = tuned_values(hyper_parameter_tuning_job_config.get("ParameterRanges", {}), end)
        job = models.FakeTrainingJob(
            self.account_id, self.region_name, name, {**definition.get("StaticHyperParameters", {}), **tuned},
            definition["AlgorithmSpecification"], definition["RoleArn"], definition.get("InputDataConfig", []),
            definition["OutputDataConfig"], definition["ResourceConfig"], definition.get("VpcConfig", {}),
            definition["StoppingCondition"], [], False, False, False, definition.get("CheckpointConfig", {}),
            {}, [], {}, {},
        )
        self.training_jobs[name] = job
        summary = {
            "TrainingJobName": name,
            "TrainingJobArn": job.arn,
            "TuningJobName": hyper_parameter_tuning_job_name,
            "CreationTime": job.creation_time,
            "TrainingStartTime": job.creation_time,
            "TrainingEndTime": job.creation_time,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": tuned,
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": metric, "Value": objective},
            "ObjectiveStatus": "Succeeded",
        }
        tuning.mlpipe_trials.append(summary)
    tuning.best_training_job = tuning.mlpipe_trials[-1]
    tuning.training_job_status_counters = {
        "Completed": len(tuning.mlpipe_trials), "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0,
        "Stopped": 0}
    return arn


models.SageMakerModelBackend.create_hyper_parameter_tuning_job = create_tuning_with_trials


def list_training_jobs_for_hyper_parameter_tuning_job(self):
    tuning = self.sagemaker_backend.hyper_parameter_tuning_jobs[self._get_param("HyperParameterTuningJobName")]
    return ActionResult({"TrainingJobSummaries": tuning.mlpipe_trials})


SageMakerResponse.list_training_jobs_for_hyper_parameter_tuning_job = list_training_jobs_for_hyper_parameter_tuning_job
sys.exit(main(sys.argv[1:]))
