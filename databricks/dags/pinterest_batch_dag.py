"""Airflow DAG (for MWAA): runs the pipeline's Databricks batch job once a day.

The job itself (`<prefix>-batch`) is created by the stack's DatabricksWorkspace component; this
DAG only triggers it, by name, through the `databricks_default` connection (its host and token
come from AWS Secrets Manager, never from this file). The stack prefix arrives as the Airflow
configuration option `pinterest.prefix`, which MWAA exposes as AIRFLOW__PINTEREST__PREFIX.
With MWAA on, the stack config requires the job's own schedule paused
(`databricks.batchSchedulePaused: true`): this DAG is then the job's only scheduler.

The DAG param `mode` becomes the job parameter `mode`: `incremental` (the daily default: only raw
objects not processed before) or `full` (a backfill: trigger the DAG with {"mode": "full"}).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator
from airflow.sdk import Param

PREFIX = os.environ.get("AIRFLOW__PINTEREST__PREFIX", "pin-dev")
BATCH_JOB_NAME = f"{PREFIX}-batch"

with DAG(
    dag_id="pinterest_batch",
    description=f"Daily run of the Databricks job {BATCH_JOB_NAME}",
    schedule="0 2 * * *",
    start_date=datetime(2026, 1, 1),
    # A missed day is caught up by the next run: it reads every object not processed yet.
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "pinterest-pipeline",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=2),
    },
    tags=["pinterest-pipeline", PREFIX],
    params={"mode": Param("incremental", type="string", enum=["incremental", "full"])},
) as dag:
    DatabricksRunNowOperator(
        task_id="run_batch_job",
        databricks_conn_id="databricks_default",
        job_name=BATCH_JOB_NAME,
        # A missed day needs no catch-up run either way: incremental reads whatever is new.
        job_parameters={"mode": "{{ params.mode }}"},
    )
