"""deploy/: the Zero to JupyterHub values and the Kubernetes manifests are valid against Kubernetes'
schemas (offline, kubernetes-validate) and hold the settings the course relies on."""

import os
import subprocess
import types

import kubernetes_validate
import pytest
import yaml

from course import ROOT

DEPLOY = ROOT / "deploy"
K8S = "1.33"  # the oldest Kubernetes with everything used here (backoffLimitPerIndex is GA in 1.33)


def documents(name):
    return [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]


def by_kind(name, kind):
    return {d["metadata"]["name"]: d for d in documents(name) if d["kind"] == kind}


def values():
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


@pytest.mark.parametrize("name", ["storage.yaml", "grade-job.yaml"])
@pytest.mark.parametrize("version", [K8S, kubernetes_validate.latest_version()])
def test_manifests_are_valid_kubernetes(name, version):
    for doc in documents(name):
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_rejects_a_misspelt_field():
    """Negative control: the validation above can fail."""
    (job,) = documents("grade-job.yaml")
    job["spec"]["completionsMode"] = job["spec"].pop("completionMode")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, K8S, strict=True)


def test_the_volumes_users_mount_are_valid_kubernetes():
    single = values()["singleuser"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "user"},
        "spec": {
            "containers": [{"name": "notebook", "image": "x", "volumeMounts": single["storage"]["extraVolumeMounts"]}],
            "volumes": single["storage"]["extraVolumes"],
        },
    }
    kubernetes_validate.validate(pod, K8S, strict=True)


def test_the_exchange_is_one_shared_volume_that_nbgrader_is_told_about():
    single = values()["singleuser"]
    claims = by_kind("storage.yaml", "PersistentVolumeClaim")
    (volume,) = [v for v in single["storage"]["extraVolumes"] if v["name"] == "nbgrader-exchange"]
    assert claims[volume["persistentVolumeClaim"]["claimName"]]["spec"]["accessModes"] == ["ReadWriteMany"]
    (mount,) = [m for m in single["storage"]["extraVolumeMounts"] if m["name"] == "nbgrader-exchange"]
    config_file = single["extraFiles"]["nbgrader-config"]
    assert config_file["mountPath"] == "/etc/jupyter/nbgrader_config.py"  # on every user's config path
    c = types.SimpleNamespace(CourseDirectory=types.SimpleNamespace(), Exchange=types.SimpleNamespace())
    exec(config_file["stringData"], {"get_config": lambda: c})  # noqa: S102 (our own file)
    assert c.Exchange.root == mount["mountPath"]
    assert c.CourseDirectory.course_id == "dlfs"  # dlfs-grade's gradebook course (dlfs.gradebook.COURSE_ID)
    assert single["uid"] == 1000  # jovyan: nbgrader takes the student id from JUPYTERHUB_USER


def test_only_instructors_get_the_gradebook_url_and_the_grading_volume():
    hub = values()["hub"]
    secret = hub["extraEnv"]["DLFS_GRADEBOOK_URL"]["valueFrom"]["secretKeyRef"]
    assert secret["name"] in by_kind("storage.yaml", "Secret") and secret["key"] == "url"
    assert "DLFS_GRADEBOOK_URL" not in yaml.safe_dump(values()["singleuser"])
    c = types.SimpleNamespace(KubeSpawner=types.SimpleNamespace())
    os.environ["DLFS_GRADEBOOK_URL"] = "postgresql://grader:pw@db/dlfs"
    try:
        exec(hub["extraConfig"]["dlfs-instructors"], {"c": c})  # noqa: S102 (our own file)
        spawners = {}
        for who, admin in (("instructor", True), ("learner", False)):
            spawners[who] = types.SimpleNamespace(
                user=types.SimpleNamespace(admin=admin), environment={}, volumes=[], volume_mounts=[]
            )
            c.KubeSpawner.pre_spawn_hook(spawners[who])
    finally:
        del os.environ["DLFS_GRADEBOOK_URL"]
    assert spawners["instructor"].environment == {"DLFS_GRADEBOOK_URL": "postgresql://grader:pw@db/dlfs"}
    assert [v["persistentVolumeClaim"]["claimName"] for v in spawners["instructor"].volumes] == ["dlfs-grading"]
    assert spawners["learner"].environment == {} and spawners["learner"].volumes == []


def test_the_grading_job_runs_each_shard_once_into_the_shared_gradebook():
    (job,) = documents("grade-job.yaml")
    spec = job["spec"]
    (container,) = spec["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    shards = int(env["SHARDS"]["value"])
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"] == shards
    assert env["DLFS_GRADEBOOK_URL"]["valueFrom"]["secretKeyRef"] == {"name": "dlfs-gradebook", "key": "url"}
    assert container["securityContext"] == {"runAsUser": 0, "privileged": True}  # bubblewrap; see the comment
    claims = by_kind("storage.yaml", "PersistentVolumeClaim")
    for volume in spec["template"]["spec"]["volumes"]:
        assert claims[volume["persistentVolumeClaim"]["claimName"]]["spec"]["accessModes"] == ["ReadWriteMany"]
    # what each pod runs, with dlfs-grade replaced by echo: every slice 1..N once, one --out each
    script = container["args"][0].replace("exec dlfs-grade", "echo")
    runs = [
        subprocess.run(
            [*container["command"], script],
            env={**{k: v.get("value", "URL") for k, v in env.items()}, "JOB_COMPLETION_INDEX": str(i)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for i in range(shards)
    ]
    assert sorted(r[r.index("--shard") + 1] for r in runs) == [f"{k}/{shards}" for k in range(1, shards + 1)]
    assert len({r[r.index("--out") + 1] for r in runs}) == shards
    assert all(r[0] == env["CHAPTER"]["value"] and r[r.index("--db") + 1] == "URL" for r in runs)
