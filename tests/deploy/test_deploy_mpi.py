"""Checks of the MPI deployment files: deploy/k8s-mpijob/ (Kubeflow MPI
Operator), deploy/k8s-mpi-statefulset/ (no operator), deploy/docker/Dockerfile.mpi
and deploy/docker/mpi/ (n2v-mpi-pod, sshd and ssh configuration).

- Manifests are parsed with PyYAML and checked against each other, the base
  in deploy/k8s, the image and the flags the binaries define: the overlays
  and their patches, which pod runs rank 0 and whether the Service reaches
  it, -np against pods x slots, mpirun's options, n2v-mpi's and
  n2v-sidecar's flags, memory per rank against the memory limits, threads
  against the cores asked for, probes, Secrets and mounts, ports.
- n2v-mpi-pod is run with stand-ins for uname, ssh and mpirun on the
  manifests' own command lines. Where Open MPI is installed, the real mpirun
  runs them too (the stand-in ssh starts its daemons here), and the test
  checks on which pod rank 0 lands; where `kubectl` is installed, the
  overlays are also built with `kubectl kustomize`; where `ompi_info` is,
  every --mca name must be one it knows. These are extra checks inside
  tests that check the files in any case, not tests of their own.

No cluster, operator or Docker engine is involved.
Run from the repository root: python -m pytest -q tests/deploy
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_deploy as base  # noqa: E402  (parsing shared with the other checks)

REPO = base.REPO
DEPLOY = base.DEPLOY
OVERLAYS = {"k8s-mpijob": DEPLOY / "k8s-mpijob",
            "k8s-mpi-statefulset": DEPLOY / "k8s-mpi-statefulset"}
# One object per run (kubectl create), so not part of the kustomizations.
RUN_ONCE = {"k8s-mpijob": ["embed-mpijob.yaml"],
            "k8s-mpi-statefulset": ["embed-job.yaml"]}
MPI_DOCKERFILE = "Dockerfile.mpi"
MPI_FILES = DEPLOY / "docker" / "mpi"
POD_SCRIPT = MPI_FILES / "n2v-mpi-pod"
EMBED_FLAGS_CC = REPO / "cli" / "embed_flags.cc"
MPI_EMBED_CC = REPO / "cli" / "mpi_embed_command.cc"
# n2v-mpi embed takes n2v embed's flags (less the re-embedding ones, which
# it refuses) and these; test_n2v_mpi_flags_come_from_the_source checks them
# against cli/mpi_embed_command.cc.
MPI_ONLY_EMBED_FLAGS = {"--output-parts", "--memory-per-rank", "--walks-per-wave"}
BINARIES = {"n2v-mpi", "n2v-sidecar"}
# mpirun options the manifests may use (Open MPI 4.1's mpirun --help all),
# with the number of values each takes.
MPIRUN_OPTIONS = {"-np": 1, "-n": 1, "--np": 1, "--bind-to": 1, "--map-by": 1,
                  "--rank-by": 1, "--mca": 2, "-x": 1, "--hostfile": 1,
                  "--report-bindings": 0, "--display-map": 0, "--tag-output": 0}
# MCA parameters the manifests may set (ompi_info --all of Open MPI 4.1.4).
KNOWN_MCA = {"pml", "btl", "btl_vader_single_copy_mechanism",
             "odls_base_sigkill_timeout", "btl_tcp_if_include",
             "oob_tcp_if_include", "plm_rsh_args"}
SHM_HEADROOM = 0.9  # ranks' memory + /dev/shm at most this share of the limit


# --------------------------------------------------------------- reading


def overlay_docs(overlay):
    """[(file name, document)] of an overlay's manifests (not the kustomization)."""
    docs = []
    for path in sorted(OVERLAYS[overlay].glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def find(overlay, kind, name=None):
    found = [d for _, d in overlay_docs(overlay)
             if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"{overlay}: expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def kustomization(overlay):
    return yaml.safe_load((OVERLAYS[overlay] / "kustomization.yaml").read_text())


def full_command(container):
    return [str(w) for w in container.get("command", []) + container.get("args", [])]


def split_mpirun(words):
    """(words before mpirun, [(option, values)], program argv) of a command line."""
    assert "mpirun" in words, words
    at = words.index("mpirun")
    options, i = [], at + 1
    while i < len(words) and words[i].startswith("-"):
        name = words[i]
        assert name in MPIRUN_OPTIONS, f"mpirun option {name} is not one the checks know"
        count = MPIRUN_OPTIONS[name]
        options.append((name, words[i + 1:i + 1 + count]))
        i += 1 + count
    assert i < len(words), "mpirun without a program"
    return words[:at], options, words[i:]


def mpirun_option(options, *names):
    values = [v for n, v in options if n in names]
    assert len(values) == 1, f"{names}: given {len(values)} times"
    return values[0][0]


def mca(options):
    return {v[0]: v[1] for n, v in options if n == "--mca"}


def resources(container, kind, name):
    return container.get("resources", {}).get(kind, {}).get(name)


def cpu_cores(text):
    text = str(text)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def embed_flags():
    """n2v embed's flags: the names cli/embed_flags.cc and cli/graph_input.cc
    register."""
    names = []
    for source in (EMBED_FLAGS_CC, REPO / "cli" / "graph_input.cc"):
        names += re.findall(r'flags\.Add(?:String|Number|Switch)\(\s*"([\w-]+)"',
                            source.read_text())
    assert {"input", "output", "workers", "dimensions"} <= set(names), names
    return {"--" + n for n in names}


def mpi_embed_flags():
    return embed_flags() | MPI_ONLY_EMBED_FLAGS


def dockerfile_user():
    """(uid, home, shell) of the user the n2v-mpi image's final stage creates."""
    final = base.final_stage(base.dockerfile(MPI_DOCKERFILE))
    run = " ".join(rest for word, rest in final if word == "RUN")
    useradd = re.search(r"useradd ([^&;]*)", run)[1].split()
    options = dict(zip(useradd, useradd[1:]))
    return options["--uid"], options["--home-dir"], options["--shell"]


def dockerfile_copies():
    """{destination: source} of Dockerfile.mpi's COPY lines from the context."""
    copies = {}
    for word, rest in base.dockerfile(MPI_DOCKERFILE):
        words = base.exec_form(rest)
        if word == "COPY" and not any(w.startswith("--from") for w in words):
            plain = [w for w in words if not w.startswith("--")]
            for source in plain[:-1]:
                destination = plain[-1]
                if destination.endswith("/"):
                    destination += os.path.basename(source.rstrip("/"))
                copies[destination] = source
    return copies


def config_values(path, key):
    """Values of KEY lines in an ssh or sshd configuration file."""
    return [line.split(None, 1)[1].strip() for line in path.read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")
            and line.split()[0] == key]


def script_constant(name):
    return re.search(rf"(?m)^{name}=(\S+)$", POD_SCRIPT.read_text())[1]


# --------------------------------------------------------------- MPI groups


class Group:
    """One set of pods that mpirun runs ranks on, as its manifest describes it."""

    def __init__(self, overlay, file, doc):
        self.overlay, self.file, self.doc = overlay, file, doc
        self.kind = doc["kind"]
        self.name = doc["metadata"]["name"]
        if self.kind == "MPIJob":
            spec = doc["spec"]
            self.launcher = spec["mpiReplicaSpecs"]["Launcher"]["template"]
            self.worker = spec["mpiReplicaSpecs"]["Worker"]["template"]
            self.slots = spec["slotsPerWorker"]
            workers = spec["mpiReplicaSpecs"]["Worker"]["replicas"]
            self.launcher_runs_ranks = spec.get("runLauncherAsWorker", False) is True
            self.pods = workers + (1 if self.launcher_runs_ranks else 0)
            self.rank_templates = [self.worker] + (
                [self.launcher] if self.launcher_runs_ranks else [])
            self.mpirun_template = self.launcher
            # mpirun maps its own pod first when it is in the hostfile;
            # otherwise the hostfile's first line, worker 0.
            self.rank0_template = self.launcher if self.launcher_runs_ranks else self.worker
        else:
            spec = doc["spec"]
            template = spec["template"]
            self.rank_templates = [template]
            self.mpirun_template = self.rank0_template = template
            env = {e["name"]: e["value"] for e in self.container(template).get("env", [])}
            self.slots = int(env["N2V_MPI_SLOTS"])
            self.pods = spec["replicas"] if self.kind == "StatefulSet" else spec["completions"]
            assert int(env["N2V_MPI_PODS"]) == self.pods, f"{self}: N2V_MPI_PODS"
            self.service = env["N2V_MPI_SERVICE"]

    def __repr__(self):
        return f"{self.overlay}/{self.file}"

    @staticmethod
    def container(template):
        containers = template["spec"]["containers"]
        assert len(containers) == 1, "one container per pod: ranks share its limits"
        return containers[0]

    def mpirun(self):
        return split_mpirun(full_command(self.container(self.mpirun_template)))

    def program(self):
        return self.mpirun()[2]

    @property
    def serves(self):
        return os.path.basename(self.program()[0]) == "n2v-sidecar"


def groups():
    found = []
    for overlay in OVERLAYS:
        for file, doc in overlay_docs(overlay):
            if doc["kind"] == "MPIJob" or (
                    doc["kind"] in ("StatefulSet", "Job")
                    and "mpirun" in full_command(Group.container(doc["spec"]["template"]))):
                found.append(Group(overlay, file, doc))
    return found


GROUPS = groups()


def group_ids(group):
    return repr(group)


def serving_groups():
    return [g for g in GROUPS if g.serves]


def test_every_overlay_has_a_server_and_a_batch_run():
    for overlay in OVERLAYS:
        mine = [g for g in GROUPS if g.overlay == overlay]
        assert sorted(g.serves for g in mine) == [False, True], overlay
    kinds = {g.kind for g in GROUPS}
    assert kinds == {"MPIJob", "StatefulSet", "Job"}, kinds


# --------------------------------------------------------------- files


MPI_MANIFESTS = sorted(p for d in OVERLAYS.values() for p in d.glob("*.yaml"))


@pytest.mark.parametrize("path", MPI_MANIFESTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_mpi_manifest_parses(path):
    text = path.read_text()
    assert text.startswith("#"), "a header comment says what the file is for"
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    assert docs
    for doc in docs:
        assert isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind")
        if doc["kind"] != "Kustomization":
            assert doc.get("metadata", {}).get("name"), path.name


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_overlay_kustomization(overlay):
    kust = kustomization(overlay)
    assert kust["kind"] == "Kustomization"
    listed = kust["resources"]
    assert len(listed) == len(set(listed))
    # The base, whole: its Secrets, Service, NetworkPolicy and runner.
    assert "../k8s" in listed
    assert (OVERLAYS[overlay] / "../k8s/kustomization.yaml").resolve().is_file()
    present = {p.name for p in OVERLAYS[overlay].glob("*.yaml")} - {"kustomization.yaml"}
    run_once = set(RUN_ONCE[overlay])
    assert run_once <= present, run_once - present
    assert set(listed) - {"../k8s"} == present - run_once
    # The base's own kustomization must never require the operator's CRD.
    for _, doc in base.manifests():
        assert not doc["apiVersion"].startswith("kubeflow.org/"), doc["kind"]


def kustomize_patches(overlay):
    """[(kind, name, patch document)] of the overlay's inline patches."""
    patches = []
    for entry in kustomization(overlay).get("patches", []):
        doc = yaml.safe_load(entry["patch"])
        patches.append((doc["kind"], doc["metadata"]["name"], doc))
    return patches


def effective_service_selector(overlay):
    """The Service n2v-sidecar's selector after the overlay's patches."""
    selector = dict(base.one("Service", "n2v-sidecar")["spec"]["selector"])
    for kind, name, doc in kustomize_patches(overlay):
        if kind == "Service" and name == "n2v-sidecar":
            selector.update(doc["spec"]["selector"])
    return selector


def selects(selector, labels):
    return selector.items() <= labels.items()


@pytest.mark.parametrize("group", serving_groups(), ids=group_ids)
def test_service_reaches_rank_0_only(group):
    overlay = group.overlay
    patches = kustomize_patches(overlay)
    deleted = [(k, n) for k, n, d in patches if d.get("$patch") == "delete"]
    assert deleted == [("Deployment", "n2v-sidecar")], deleted
    selector = effective_service_selector(overlay)
    rank0 = dict(group.rank0_template["metadata"]["labels"])
    if group.kind == "StatefulSet":
        # The controller labels each pod with its name; pod 0 runs mpirun
        # and rank 0 (n2v-mpi-pod group).
        assert selector.get("statefulset.kubernetes.io/pod-name") == f"{group.name}-0"
        rank0["statefulset.kubernetes.io/pod-name"] = f"{group.name}-0"
        other = dict(rank0, **{"statefulset.kubernetes.io/pod-name": f"{group.name}-1"})
        assert not selects(selector, other)
    else:
        assert group.launcher_runs_ranks, "rank 0 must run where the probes and Service are"
        assert not selects(selector, group.worker["metadata"]["labels"]), \
            "the Service would also send calls to workers, which have no gRPC port"
    assert selects(selector, rank0), (selector, rank0)
    # The Service's port reaches rank 0's gRPC port.
    service = base.one("Service", "n2v-sidecar")
    (port,) = service["spec"]["ports"]
    ports = {p["name"]: p["containerPort"]
             for p in Group.container(group.rank0_template)["ports"]}
    assert ports.get(port["targetPort"], port["targetPort"]) == base.SIDECAR_PORT
    # The base NetworkPolicy (Neo4j and the runner on 50051) covers rank 0.
    policy = base.one("NetworkPolicy", "n2v-sidecar")
    assert selects(policy["spec"]["podSelector"]["matchLabels"], rank0)


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_overlay_builds_with_kubectl(overlay):
    """The patches and names resolve as kustomize resolves them: checked
    statically here, and with `kubectl kustomize` where kubectl is."""
    names = {(d["kind"], d["metadata"]["name"]) for _, d in overlay_docs(overlay)}
    base_names = {(d["kind"], d["metadata"]["name"]) for _, d in base.manifests()}
    listed = set(kustomization(overlay)["resources"]) - {"../k8s"}
    mine = {(d["kind"], d["metadata"]["name"]) for f, d in overlay_docs(overlay) if f in listed}
    assert not mine & base_names, "an overlay object would replace one of the base"
    for kind, name, _ in kustomize_patches(overlay):
        assert (kind, name) in base_names | names, (kind, name)
    if shutil.which("kubectl") is None:
        return
    built = subprocess.run(["kubectl", "kustomize", str(OVERLAYS[overlay])],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    docs = [d for d in yaml.safe_load_all(built.stdout) if d]
    rendered = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    assert ("Deployment", "n2v-sidecar") not in rendered
    assert set(rendered) == (base_names - {("Deployment", "n2v-sidecar")}) | mine
    service = rendered[("Service", "n2v-sidecar")]
    assert service["spec"]["selector"] == effective_service_selector(overlay)


# --------------------------------------------------------------- MPIJobs


MPIJOBS = [g for g in GROUPS if g.kind == "MPIJob"]


@pytest.mark.parametrize("group", MPIJOBS, ids=group_ids)
def test_mpijob_spec(group):
    doc, spec = group.doc, group.doc["spec"]
    assert doc["apiVersion"] == "kubeflow.org/v2beta1"
    assert spec["mpiImplementation"] == "OpenMPI"
    assert isinstance(spec["slotsPerWorker"], int) and spec["slotsPerWorker"] >= 1
    run_policy = spec["runPolicy"]
    assert run_policy["cleanPodPolicy"] in ("None", "Running", "All")
    assert isinstance(run_policy["backoffLimit"], int) and run_policy["backoffLimit"] >= 0
    if not group.serves:  # a batch run ends, and its pods go
        assert run_policy["activeDeadlineSeconds"] > 0
        assert run_policy["ttlSecondsAfterFinished"] > 0
    else:  # a server runs until deleted
        assert "activeDeadlineSeconds" not in run_policy
    replicas = spec["mpiReplicaSpecs"]
    assert set(replicas) == {"Launcher", "Worker"}
    assert replicas["Launcher"]["replicas"] == 1
    for role in replicas.values():
        # The operator accepts these two; each restarts all ranks through mpirun.
        assert role["restartPolicy"] in ("Never", "OnFailure")
        assert "restartPolicy" not in role["template"]["spec"], "set per replica, not per pod"
    # The operator mounts its ssh key pair here; ssh reads ~/.ssh.
    _, home, _ = dockerfile_user()
    assert spec["sshAuthMountPath"] == f"{home}/.ssh"
    policy = spec.get("launcherCreationPolicy", "AtStartup")
    assert policy in ("AtStartup", "WaitForWorkersReady")
    worker = Group.container(group.worker)
    assert full_command(worker) == ["n2v-mpi-pod", "sshd"]
    if policy == "WaitForWorkersReady":
        assert "readinessProbe" in worker, "workers would never count as ready"
    launcher_words = group.mpirun()[0]
    assert launcher_words == ["n2v-mpi-pod", "launch", "--"], launcher_words


# --------------------------------------------------------------- mpirun


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_mpirun_ranks_match_pods_and_slots(group):
    _, options, _ = group.mpirun()
    ranks = int(mpirun_option(options, "-np", "-n", "--np"))
    assert ranks == group.pods * group.slots, (ranks, group.pods, group.slots)
    # Ranks run their own thread pools: binding a rank to one core (mpirun's
    # default for two ranks or fewer) would squeeze its threads onto it.
    assert mpirun_option(options, "--bind-to") == "none"
    if group.kind != "MPIJob":
        assert full_command(Group.container(group.mpirun_template))[:3] == \
            ["n2v-mpi-pod", "group", "--"]


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_mpirun_mca_parameters(group):
    _, options, _ = group.mpirun()
    names = mca(options)
    assert set(names) <= KNOWN_MCA, set(names) - KNOWN_MCA
    # Ranks in one pod would otherwise copy with process_vm_readv, which the
    # RuntimeDefault seccomp profile refuses without CAP_SYS_PTRACE.
    assert names.get("btl_vader_single_copy_mechanism") == "none"
    if shutil.which("ompi_info"):
        known = subprocess.run(["ompi_info", "--all", "--parsable"], capture_output=True,
                               text=True, timeout=120).stdout
        params = set(re.findall(r"(?m)^mca:[^:]+:[^:]+:param:([\w]+):value:", known))
        assert params, "ompi_info lists no parameters"
        assert set(names) <= params, f"not Open MPI parameters: {set(names) - params}"


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_mpirun_program_is_in_the_image(group):
    program = group.program()[0]
    assert os.path.basename(program) in BINARIES, program
    assert program == f"/usr/local/bin/{os.path.basename(program)}"
    final = base.final_stage(base.dockerfile(MPI_DOCKERFILE))
    builds = " ".join(rest for word, rest in base.dockerfile(MPI_DOCKERFILE) if word == "RUN")
    assert re.search(rf"--target [\w\- ]*\b{os.path.basename(program)}\b", builds)
    assert re.search(rf"install [^&]*/{os.path.basename(program)}\b", builds)
    assert ("COPY", "--from=builder /out/ /usr/local/bin/") in final


EMBED_GROUPS = [g for g in GROUPS if not g.serves]


@pytest.mark.parametrize("group", EMBED_GROUPS, ids=group_ids)
def test_n2v_mpi_embed_command(group):
    argv = group.program()
    assert argv[1] == "embed", argv
    flags = base.flag_values(argv[2:])
    assert set(flags) <= mpi_embed_flags(), set(flags) - mpi_embed_flags()
    # Every rank reads its byte range of --input: a volume all rank pods
    # mount, ReadWriteMany, holds it; the output goes there as well.
    for template in group.rank_templates:
        container = Group.container(template)
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        for flag in ("--input", "--output"):
            path = flags[flag]
            mount = next((m for m in mounts if path.startswith(m.rstrip("/") + "/")), None)
            assert mount, f"{flag} {path}: not on a mounted volume"
            assert not mounts[mount].get("readOnly", False) or flag == "--input"
            claim = volumes[mounts[mount]["name"]]["persistentVolumeClaim"]["claimName"]
            pvc = find(group.overlay, "PersistentVolumeClaim", claim)
            assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    # Memory: every rank of a pod keeps to --memory-per-rank; with the
    # shared-memory volume they fit under the limit, with room for mpirun,
    # orted and sshd.
    per_rank = base.byte_size(flags["--memory-per-rank"])
    threads = int(flags["--workers"])
    for template in group.rank_templates:
        container = Group.container(template)
        limit = base.byte_size(resources(container, "limits", "memory"))
        shm = shm_size(template)
        assert group.slots * per_rank + shm <= SHM_HEADROOM * limit, \
            (group.slots, per_rank, shm, limit)
        # Threads: each rank's --workers threads get cores of their own.
        cpu = cpu_cores(resources(container, "requests", "cpu"))
        assert cpu >= group.slots * threads, (cpu, group.slots, threads)
        cpu_limit = resources(container, "limits", "cpu")
        assert cpu_limit is None or cpu_cores(cpu_limit) >= group.slots * threads


def shm_size(template):
    """The sizeLimit of the memory-backed volume at /dev/shm (it is RAM)."""
    container = Group.container(template)
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "/dev/shm" in mounts, "Open MPI's shared memory would get the runtime's 64 MiB"
    volume = {v["name"]: v for v in template["spec"]["volumes"]}[mounts["/dev/shm"]]
    assert volume["emptyDir"]["medium"] == "Memory"
    return base.byte_size(volume["emptyDir"]["sizeLimit"])


def test_n2v_mpi_flags_come_from_the_source():
    """n2v-mpi's own flags, as its source registers them."""
    names = set(re.findall(r'Add(?:String|Number|Switch)\(\s*"([\w-]+)"',
                           MPI_EMBED_CC.read_text()))
    assert {f[2:] for f in MPI_ONLY_EMBED_FLAGS} == names, names
    used = set()
    for group in EMBED_GROUPS:
        used |= set(base.flag_values(group.program()[2:]))
    assert MPI_ONLY_EMBED_FLAGS & used, "the batch runs use none of n2v-mpi's own flags"


@pytest.mark.parametrize("group", serving_groups(), ids=group_ids)
def test_sidecar_ranks(group):
    argv = group.program()
    flags = base.flag_values(argv[1:])
    assert set(flags) <= base.sidecar_flags(), set(flags) - base.sidecar_flags()
    assert flags["--listen"] == f"0.0.0.0:{base.SIDECAR_PORT}"
    assert "--memory-budget" in flags, "the default budget is half the node's memory"
    budget = base.byte_size(flags["--memory-budget"])
    for template in group.rank_templates:
        container = Group.container(template)
        limit = base.byte_size(resources(container, "limits", "memory"))
        assert group.slots * budget + shm_size(template) < limit
        if template is group.rank0_template:
            # Rank 0 serves: the files its flags name are there.
            check_secret_files(group, template, flags)
        else:
            # The other ranks never open them: no secret is mounted.
            assert not [v for v in template["spec"]["volumes"] if "secret" in v], group
    # Shutdown: n2v-mpi-pod sends SIGTERM to the ranks of mpirun's pod and
    # waits N2V_MPI_DRAIN seconds, then mpirun stops the rest. Rank 0 needs
    # --grace + 5 s after its SIGTERM; every pod outlives the drain, plus
    # time for mpirun to end the ranks (its kill steps are 1 s apart then).
    grace = base.duration_seconds(flags.get("--grace", "30s"))
    launcher = Group.container(group.mpirun_template)
    drain = int({e["name"]: e["value"] for e in launcher.get("env", [])}["N2V_MPI_DRAIN"])
    assert drain > grace + 5, (drain, grace)
    assert int(mca(group.mpirun()[1]).get("odls_base_sigkill_timeout", 1)) <= 5, \
        "a long kill timeout holds a restart back after a rank dies"
    for template in group.rank_templates:
        assert template["spec"]["terminationGracePeriodSeconds"] >= drain + 10


def check_secret_files(group, template, flags):
    container = Group.container(template)
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in template["spec"]["volumes"]}
    secrets = {d["metadata"]["name"]: d for _, d in base.manifests() + overlay_docs(group.overlay)
               if d["kind"] == "Secret"}
    files = [flags[f] for f in ("--token-file", "--tls-cert", "--tls-key", "--tls-client-ca")
             if flags.get(f)]
    assert flags.get("--token-file") in files
    for path in files:
        directory, key = os.path.split(path)
        assert directory in mounts, f"{group}: nothing mounted at {directory}"
        assert mounts[directory].get("readOnly") is True
        secret = secrets[volumes[mounts[directory]["name"]]["secret"]["secretName"]]
        assert key in {**secret.get("data", {}), **secret.get("stringData", {})}, path


def health_probe_command(probe):
    """The n2v-health-probe command of an exec probe (through n2v-mpi-pod probe)."""
    command = probe["exec"]["command"]
    if command[:3] == ["n2v-mpi-pod", "probe", "--"]:
        command = command[3:]
    return command


@pytest.mark.parametrize("group", serving_groups(), ids=group_ids)
def test_sidecar_probes_check_rank_0(group):
    container = Group.container(group.rank0_template)
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = dict(container[kind])
        probe["exec"] = {"command": health_probe_command(probe)}
        assert base.probe_targets_sidecar_port(probe), kind
        ca = base.flag_values(probe["exec"]["command"][1:]).get("--tls-ca")
        assert ca, f"{kind}: the sidecar serves TLS"
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert os.path.dirname(ca) in mounts
    if group.kind == "StatefulSet":
        # The same probes run on pods 1..: n2v-mpi-pod probe checks sshd there.
        assert container["readinessProbe"]["exec"]["command"][:3] == \
            ["n2v-mpi-pod", "probe", "--"]


# --------------------------------------------------------------- pods


def all_templates():
    for group in GROUPS:
        templates = {id(t): t for t in group.rank_templates + [group.mpirun_template]}
        for template in templates.values():
            yield group, template


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_mpi_pods_run_as_the_image_user(group):
    uid, _, _ = dockerfile_user()
    for g, template in all_templates():
        if g is not group:
            continue
        pod = template["spec"]
        container = Group.container(template)
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True
        # sshd logs in only the user it runs as, so every pod runs as the
        # image's user, whose home holds the keys.
        assert str(security["runAsUser"]) == uid
        assert str(security.get("fsGroup")) == uid, "the key files must be readable"
        assert pod["automountServiceAccountToken"] is False
        c = container["securityContext"]
        assert c["readOnlyRootFilesystem"] is True
        assert c["allowPrivilegeEscalation"] is False
        assert c["capabilities"]["drop"] == ["ALL"]
        env = {e["name"] for e in container.get("env", [])}
        assert not {"OMPI_ALLOW_RUN_AS_ROOT", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"} & env
        # sshd's host key, its pid file and the hostfile live in /tmp.
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]["name"]]


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_mpi_pods_use_the_mpi_image(group):
    tag = base.sidecar_container()["image"].split(":")[1]
    for g, template in all_templates():
        if g is group:
            image = Group.container(template)["image"]
            assert image == f"n2v-mpi:{tag}", image
    readme = (DEPLOY / "README.md").read_text() + (DEPLOY / "docker/README.md").read_text()
    assert f"-f deploy/docker/{MPI_DOCKERFILE} -t n2v-mpi:{tag} ." in readme


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_pods_reach_each_other(group):
    """ssh: the port sshd listens on is the one ssh dials, the readiness
    probes check and the headless Services name; DNS names of the pods."""
    port = int(config_values(MPI_FILES / "sshd_config", "Port")[0])
    assert int(config_values(MPI_FILES / "ssh_config", "Port")[0]) == port
    # The pods that run sshd: MPIJob workers, every pod of a group (pod 0 too).
    sshd_templates = [group.worker] if group.kind == "MPIJob" else group.rank_templates
    for template in sshd_templates:
        container = Group.container(template)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["ssh"] == port
        probe = container.get("readinessProbe", {})
        if "tcpSocket" in probe:
            assert ports.get(probe["tcpSocket"]["port"], probe["tcpSocket"]["port"]) == port
    if group.kind == "MPIJob":
        return  # the operator makes the headless Service and the hostfile
    service = find(group.overlay, "Service", group.service)
    assert service["spec"]["clusterIP"] == "None"
    # Pod 0 starts mpirun before any pod is Ready.
    assert service["spec"]["publishNotReadyAddresses"] is True
    assert selects(service["spec"]["selector"], group.rank0_template["metadata"]["labels"])
    assert [p["port"] for p in service["spec"]["ports"]] == [port]
    spec = group.doc["spec"]
    if group.kind == "StatefulSet":
        assert spec["serviceName"] == group.service
        # In order, pod 1 would wait for pod 0 to be Ready: never.
        assert spec["podManagementPolicy"] == "Parallel"
        assert spec["updateStrategy"]["type"] == "OnDelete"
        assert selects(spec["selector"]["matchLabels"], group.rank0_template["metadata"]["labels"])
    else:
        assert spec["completionMode"] == "Indexed"  # pod host names NAME-<index>
        assert spec["parallelism"] == spec["completions"]
        assert group.rank0_template["spec"]["subdomain"] == group.service
        # Done when mpirun (pod 0) is; the sshd pods are stopped then.
        assert spec["successPolicy"]["rules"] == [{"succeededIndexes": "0"}]


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_ssh_keys_are_where_ssh_looks(group):
    _, home, shell = dockerfile_user()
    # sshd runs a login's command with the user's shell.
    assert shell in ("/bin/sh", "/bin/bash"), shell
    identities = config_values(MPI_FILES / "ssh_config", "IdentityFile")
    authorized = config_values(MPI_FILES / "sshd_config", "AuthorizedKeysFile")
    assert authorized == ["%h/.ssh/authorized_keys"]
    if group.kind == "MPIJob":
        # The operator's Secret items: id_rsa, id_rsa.pub, authorized_keys.
        assert "~/.ssh/id_rsa" in identities
        return
    for template in group.rank_templates:
        container = Group.container(template)
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert mounts[f"{home}/.ssh"]["readOnly"] is True
        volume = {v["name"]: v for v in template["spec"]["volumes"]}[
            mounts[f"{home}/.ssh"]["name"]]
        items = {i["path"]: i["key"] for i in volume["secret"]["items"]}
        assert items.get("authorized_keys") == "ssh-publickey"
        private = [p for p, k in items.items() if k == "ssh-privatekey"]
        assert len(private) == 1 and f"~/.ssh/{private[0]}" in identities
        secret = find(group.overlay, "Secret", volume["secret"]["secretName"])
        assert secret["type"] == "kubernetes.io/ssh-auth"
        for value in secret["stringData"].values():
            assert "REPLACE" in value and "-----BEGIN" not in value


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_mpi_networkpolicy_admits_the_group(overlay):
    group_pods = [g for g in GROUPS if g.overlay == overlay and g.serves]
    (group,) = group_pods
    policy = find(overlay, "NetworkPolicy", group.name)["spec"]
    selector = policy["podSelector"]["matchLabels"]
    templates = [t for g, t in all_templates() if g is group]
    for template in templates:
        assert selects(selector, template["metadata"]["labels"])
    (rule,) = policy["ingress"]
    assert "ports" not in rule, "Open MPI picks its TCP ports: all ports, from the group only"
    (source,) = rule["from"]
    assert set(source) == {"podSelector"}
    assert source["podSelector"]["matchLabels"] == selector


# --------------------------------------------------------------- image


def test_mpi_dockerfile():
    instructions = base.dockerfile(MPI_DOCKERFILE)
    final = base.final_stage(instructions)
    builder = instructions[:len(instructions) - len(final)]
    assert builder[0][1].startswith("debian:bookworm ")
    assert dict(final)["FROM"].startswith("debian:bookworm-slim")
    sidecar = base.dockerfile("Dockerfile.sidecar")
    sidecar_final = base.final_stage(sidecar)
    sidecar_builder = sidecar[:len(sidecar) - len(sidecar_final)]
    # The sidecar's build dependencies and Open MPI's headers.
    assert set(base.apt_packages(sidecar_builder)) | {"libopenmpi-dev"} <= \
        set(base.apt_packages(builder))
    build = " ".join(rest for word, rest in builder if word == "RUN")
    assert "-DN2V_BUILD_TESTS=OFF" in build and "-DN2V_BUILD_BENCHMARKS=OFF" in build
    for target in ("n2v-mpi", "n2v-sidecar", "n2v-health-probe", "n2v"):
        assert re.search(rf"--target [\w\- ]*\b{target}(?![\w-])", build), target
    runtime = set(base.apt_packages(final))
    assert not {p for p in runtime if p.endswith("-dev")}, "dev packages at runtime"
    assert set(base.apt_packages(sidecar_final)) <= runtime
    assert {"openmpi-bin", "libopenmpi3", "openssh-server", "openssh-client"} <= runtime
    run = " ".join(rest for word, rest in final if word == "RUN")
    assert "/etc/ssh/ssh_host_*" in run, "the image would carry one host key for all pods"
    uid, home, _ = dockerfile_user()
    users = [rest for word, rest in final if word == "USER"]
    assert users[-1].split(":")[0] == uid == "10001"
    assert home.startswith("/home/")
    # What the pods run is where they look for it.
    copies = dockerfile_copies()
    assert copies["/usr/local/bin/n2v-mpi-pod"] == "deploy/docker/mpi/n2v-mpi-pod"
    assert copies[script_constant("SSHD_CONFIG")] == "deploy/docker/mpi/sshd_config"
    ssh_config = [d for d, s in copies.items() if s == "deploy/docker/mpi/ssh_config"]
    assert len(ssh_config) == 1 and re.fullmatch(r"/etc/ssh/ssh_config\.d/[\w-]+\.conf",
                                                 ssh_config[0])
    assert base.exec_form(dict(final)["ENTRYPOINT"]) == ["n2v-mpi-pod"]


def test_sshd_config_paths(tmp_path):
    """sshd writes its host key and pid file where n2v-mpi-pod makes them and
    the pods have an emptyDir (/tmp): the root file system is read-only."""
    sshd_dir = script_constant("SSHD_DIR")
    assert sshd_dir.startswith("/tmp/")
    for key in ("HostKey", "PidFile"):
        (value,) = config_values(MPI_FILES / "sshd_config", key)
        assert os.path.dirname(value) == sshd_dir, (key, value)
    (host_key,) = config_values(MPI_FILES / "sshd_config", "HostKey")
    assert f'"$SSHD_DIR/{os.path.basename(host_key)}"' in POD_SCRIPT.read_text()
    for key, value in [("PasswordAuthentication", "no"), ("PermitRootLogin", "no"),
                       ("UsePAM", "no"), ("AllowTcpForwarding", "no")]:
        assert config_values(MPI_FILES / "sshd_config", key) == [value], key
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not (os.access(sshd, os.X_OK) and shutil.which("ssh-keygen")) or os.geteuid() == 0:
        return
    # Where sshd is installed and the tests run as a user, as in the pods:
    # sshd's own check of the file (-t), with a host key made for it.
    check_dir = tmp_path
    key = check_dir / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    config = (MPI_FILES / "sshd_config").read_text().replace(sshd_dir, str(check_dir))
    (check_dir / "sshd_config").write_text(config)
    (check_dir / "ssh_host_ed25519_key").write_bytes(key.read_bytes())
    os.chmod(check_dir / "ssh_host_ed25519_key", 0o600)
    result = subprocess.run([sshd, "-t", "-f", str(check_dir / "sshd_config")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_pod_script_is_posix_sh():
    assert POD_SCRIPT.read_text().startswith("#!/bin/sh\n")
    assert os.access(POD_SCRIPT, os.X_OK)
    for shell in ("dash", "sh"):
        if shutil.which(shell):
            result = subprocess.run([shell, "-n", str(POD_SCRIPT)], capture_output=True,
                                    text=True)
            assert result.returncode == 0, result.stderr
            break


# --------------------------------------------------------------- n2v-mpi-pod


STUB_SSH = """#!/bin/sh
# ssh stand-in: runs the command here, marked with the host it was for.
while [ $# -gt 0 ]; do
  case $1 in
    -o|-p|-i|-l|-F) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
host=$1; shift
echo "$host" >>"$STUB_LOG/ssh"
FAKE_NODE=$host; export FAKE_NODE
if [ -n "${STUB_UTS:-}" ]; then
  # A host name of its own, as the pod would have.
  exec unshare --uts /bin/sh -c 'hostname "${FAKE_NODE%%.*}" && exec /bin/sh -c "$0"' "$*"
fi
exec /bin/sh -c "$*"
"""
STUB_MPIRUN = """#!/bin/sh
printf '%s\\n' "$@" >"$STUB_LOG/mpirun.args"
cp "$OMPI_MCA_orte_default_hostfile" "$STUB_LOG/hostfile"
echo "$OMPI_MCA_orte_keep_fqdn_hostnames" >"$STUB_LOG/keep_fqdn"
"""
STUB_RANK = """#!/bin/sh
echo "$OMPI_COMM_WORLD_RANK ${FAKE_NODE:-mpirun}" >>"$STUB_LOG/ranks"
"""
NAMESPACE = "n2v"


def write_script(path, text):
    path.write_text(text)
    path.chmod(0o755)


def mpirun_host(group):
    """The host name of the pod that runs mpirun."""
    return f"{group.name}-launcher" if group.kind == "MPIJob" else f"{group.name}-0"


def operator_hostfile(group):
    """The hostfile the MPI Operator (v2beta1, OpenMPI) mounts in the launcher:
    the launcher first when runLauncherAsWorker, then the workers, each as a
    DNS name under the job's headless Service."""
    domain = f"{group.name}.{NAMESPACE}.svc"
    workers = group.doc["spec"]["mpiReplicaSpecs"]["Worker"]["replicas"]
    names = ([f"{group.name}-launcher"] if group.launcher_runs_ranks else []) + \
        [f"{group.name}-worker-{i}" for i in range(workers)]
    return "".join(f"{n}.{domain} slots={group.slots}\n" for n in names)


def expected_hostfile(group):
    if group.kind == "MPIJob":
        own = f"{mpirun_host(group)}.{group.name}.{NAMESPACE}.svc "
        return operator_hostfile(group).replace(own, f"{mpirun_host(group)} ")
    lines = [f"{group.name}-0 slots={group.slots}"] + [
        f"{group.name}-{i}.{group.service} slots={group.slots}" for i in range(1, group.pods)]
    return "".join(line + "\n" for line in lines)


def pod_environment(group, tmp_path, bin_dir):
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "STUB_LOG": str(tmp_path / "log"),
           "N2V_MPI_RUN_DIR": str(tmp_path / "run"), "N2V_MPI_WAIT": "5",
           "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}
    container = Group.container(group.mpirun_template)
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    if group.kind == "MPIJob":  # what the operator sets in the launcher
        hostfile = tmp_path / "etc-mpi-hostfile"
        hostfile.write_text(operator_hostfile(group))
        env.update({"OMPI_MCA_orte_default_hostfile": str(hostfile),
                    "OMPI_MCA_orte_keep_fqdn_hostnames": "true",
                    "OMPI_MCA_plm_rsh_args": "-o ConnectionAttempts=10",
                    "OMPI_MCA_orte_set_default_slots": str(group.slots)})
    (tmp_path / "log").mkdir()
    return env


def pod_command(group, rank_stub):
    """The manifest's command, with the script from the repository and the
    ranks' program replaced by a stand-in."""
    words = full_command(Group.container(group.mpirun_template))
    assert words[0] == "n2v-mpi-pod"
    words = [str(POD_SCRIPT)] + words[1:]
    program = words.index(group.program()[0])
    return words[:program] + [str(rank_stub)] + words[program + 1:]


@pytest.mark.parametrize("group", GROUPS, ids=group_ids)
def test_pod_script_launches_the_manifest_command(group, tmp_path):
    """n2v-mpi-pod on the pod that runs mpirun: the hostfile it writes, the
    peers it waits for, and mpirun's arguments passed on unchanged."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "uname", f"#!/bin/sh\necho {mpirun_host(group)}\n")
    write_script(bin_dir / "ssh", STUB_SSH)
    write_script(bin_dir / "mpirun", STUB_MPIRUN)
    rank_stub = tmp_path / "rank"
    write_script(rank_stub, STUB_RANK)
    env = pod_environment(group, tmp_path, bin_dir)
    command = pod_command(group, rank_stub)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    log = tmp_path / "log"
    hostfile = (log / "hostfile").read_text()
    assert hostfile == expected_hostfile(group)
    assert (log / "keep_fqdn").read_text().strip() == "true"
    hosts = [line.split()[0] for line in hostfile.splitlines()]
    peers = [h for h in hosts if h != mpirun_host(group)]
    assert (log / "ssh").read_text().split() == peers
    assert (log / "mpirun.args").read_text().splitlines() == \
        command[command.index("mpirun") + 1:]
    # Where Open MPI is installed: the real mpirun, on the same command line.
    run_real_mpirun(group, tmp_path, command)


def run_real_mpirun(group, tmp_path, command):
    """Runs the command with Open MPI's mpirun in a UTS namespace whose host
    name is the pod's (mpirun knows its own pod by name); the stand-in ssh
    starts the daemons of the other pods here. Checks the pod of rank 0 and
    the number of ranks on each pod. Does nothing without mpirun or where
    unshare is not allowed."""
    mpirun = shutil.which("mpirun")
    unshare = shutil.which("unshare")
    if not mpirun or not unshare:
        return
    real = tmp_path / "real"
    real.mkdir()
    bin_dir = real / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "ssh", STUB_SSH)
    env = pod_environment(group, real, bin_dir)
    env.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                "OMPI_MCA_btl": "self,tcp", "STUB_UTS": "1"})
    inner = " ".join(shlex.quote(w) for w in command)
    namespace = ["--uts"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    probe = subprocess.run([unshare, *namespace, "true"], capture_output=True)
    if probe.returncode != 0:
        return
    result = subprocess.run(
        [unshare, *namespace, "sh", "-c",
         f"hostname {shlex.quote(mpirun_host(group))} && exec {inner}"],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    ranks = dict(line.split() for line in (real / "log" / "ranks").read_text().splitlines())
    assert sorted(int(r) for r in ranks) == list(range(group.pods * group.slots))
    if group.kind == "MPIJob" and not group.launcher_runs_ranks:
        # Batch: mpirun is not in the hostfile; rank 0 runs on worker 0.
        first = operator_hostfile(group).split()[0]
        assert ranks["0"] == first, ranks
    else:
        assert ranks["0"] == "mpirun", f"rank 0 is not on the pod that serves: {ranks}"
    per_pod = {}
    for node in ranks.values():
        per_pod[node] = per_pod.get(node, 0) + 1
    assert sorted(per_pod.values()) == [group.slots] * group.pods, per_pod


@pytest.mark.parametrize("status", [0, 1])
def test_pod_script_probe_on_pod_0(tmp_path, status):
    """n2v-mpi-pod probe passes pod 0's probe command and its verdict on."""
    (group,) = [g for g in GROUPS if g.kind == "StatefulSet"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "uname", f"#!/bin/sh\necho {group.name}-0\n")
    write_script(bin_dir / "n2v-health-probe",
                 f'#!/bin/sh\necho "$@" >"{tmp_path}/args"\nexit {status}\n')
    command = Group.container(group.rank0_template)["readinessProbe"]["exec"]["command"]
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run([str(POD_SCRIPT)] + command[1:], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == status, result.stderr
    assert (tmp_path / "args").read_text().split() == command[4:]


def test_pod_script_refuses_unknown_modes(tmp_path):
    result = subprocess.run([str(POD_SCRIPT), "serve"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage" in result.stderr
    result = subprocess.run([str(POD_SCRIPT), "launch", "--", "true"], capture_output=True,
                            text=True, env={"PATH": os.environ["PATH"],
                                            "OMPI_MCA_orte_default_hostfile": "/nonexistent",
                                            "N2V_MPI_RUN_DIR": str(tmp_path)})
    assert result.returncode == 1 and "no hostfile" in result.stderr


STUB_MPIRUN_WITH_RANK = """#!/bin/sh
# mpirun stand-in with one local rank: both log the signals they get.
trap 'echo "mpirun TERM" >>"$STUB_LOG/order"; kill "$rank" 2>/dev/null; \
  exit "${STUB_TERM_EXIT:-143}"' TERM
sh -c 'trap "echo rank TERM >>\\"$STUB_LOG/order\\"; sleep 1; \\
  echo rank done >>\\"$STUB_LOG/order\\"; exit 0" TERM
  while :; do sleep 0.1; done' &
rank=$!
echo started >"$STUB_LOG/started"
# Ranks on other pods keep mpirun running after this one has ended.
while :; do sleep 0.1; done
"""


@pytest.mark.parametrize("drain", [None, "10"])
def test_pod_script_drains_rank_0_before_mpirun(tmp_path, drain):
    """SIGTERM to n2v-mpi-pod launch: with N2V_MPI_DRAIN, the ranks of
    mpirun's pod get SIGTERM first and mpirun only once they have ended (not
    after the whole drain time); without, mpirun gets it at once. Either
    way the pod exits 143, even when mpirun ends with 0 (a drained
    sidecar's ranks do): an MPIJob launcher exiting 0 counts as done."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "uname", "#!/bin/sh\necho pod-0\n")
    write_script(bin_dir / "mpirun", STUB_MPIRUN_WITH_RANK)
    log = tmp_path / "log"
    log.mkdir()
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "STUB_LOG": str(log),
           "N2V_MPI_RUN_DIR": str(tmp_path / "run"), "N2V_MPI_PODS": "1",
           "N2V_MPI_SLOTS": "1", "N2V_MPI_SERVICE": "pods", "STUB_TERM_EXIT": "0"}
    if drain:
        env["N2V_MPI_DRAIN"] = drain
    pod = subprocess.Popen([str(POD_SCRIPT), "launch", "--", "mpirun", "-np", "1", "x"],
                           env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (log / "started").exists():
            assert time.monotonic() < deadline and pod.poll() is None, pod.stderr.read()
            time.sleep(0.05)
        time.sleep(0.3)  # the rank has set its trap
        start = time.monotonic()
        pod.send_signal(signal.SIGTERM)
        pod.wait(timeout=20)
        elapsed = time.monotonic() - start
    finally:
        if pod.poll() is None:
            pod.kill()
    assert pod.returncode == 143, pod.stderr.read()
    order = (log / "order").read_text().splitlines()
    if drain:
        assert order[:3] == ["rank TERM", "rank done", "mpirun TERM"], order
        assert elapsed < int(drain) - 2, "waited the whole drain for a rank that had ended"
    else:
        assert order[0] == "mpirun TERM", order
