"""Loads the DAG with a real Airflow and its Databricks provider, as MWAA would."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    os.environ["AIRFLOW_HOME"] = str(tmp_path_factory.mktemp("airflow"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__PINTEREST__PREFIX"] = "pin-test"
    from airflow.models import DagBag

    return DagBag(dag_folder=str(DAGS), include_examples=False)


def test_loads_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == ["pinterest_batch"]


def test_runs_daily_without_catch_up(dagbag):
    dag = dagbag.dags["pinterest_batch"]
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert str(dag.timetable.summary) == "0 2 * * *"


def test_triggers_the_stack_batch_job_with_retries(dagbag):
    dag = dagbag.dags["pinterest_batch"]
    assert [t.task_id for t in dag.tasks] == ["run_batch_job"]
    task = dag.get_task("run_batch_job")
    assert type(task).__name__ == "DatabricksRunNowOperator"
    assert task.databricks_conn_id == "databricks_default"
    assert task.job_name == "pin-test-batch"
    assert task.job_id is None
    assert task.retries == 2
    assert task.retry_delay == timedelta(minutes=5)


def test_passes_the_mode_incremental_by_default(dagbag):
    dag = dagbag.dags["pinterest_batch"]
    assert dag.params["mode"] == "incremental"
    task = dag.get_task("run_batch_job")
    assert task.job_parameters == {"mode": "{{ params.mode }}"}
    rendered = task.render_template(task.job_parameters, {"params": {"mode": "full"}})
    assert rendered == {"mode": "full"}  # a backfill: trigger the DAG with {"mode": "full"}
    with pytest.raises(Exception, match="'daily' is not one of"):
        dag.params.get_param("mode").resolve("daily")  # a typo is refused, not run as full


def test_holds_no_credentials():
    text = (DAGS / "pinterest_batch_dag.py").read_text()
    for needle in ("dapi", "token=", "password", "aws_secret_access_key"):
        assert needle not in text
