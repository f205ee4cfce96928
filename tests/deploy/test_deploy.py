"""Checks of the deployment files under deploy/.

- systemd units: `systemd-analyze verify` and `systemd-analyze security
  --offline` (skipped where systemd-analyze is missing), and the settings the
  units must agree on with the sidecar's flags and its env file.
- Kubernetes manifests: parsed with PyYAML and checked for consistency
  (labels and selectors, probes, grace periods, Secrets and mounts, the
  CronJob); no cluster is involved.
- Dockerfiles: checked statically (stages, non-root user, health check,
  entrypoint, COPY sources, build and runtime packages). No Docker engine is
  available where the tests run, so nothing is built.
- The Neo4j configuration snippet against the settings N2vSettings.java
  declares.

Run from the repository root: python -m pytest -q tests/deploy
"""

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SYSTEMD = DEPLOY / "systemd"
K8S = DEPLOY / "k8s"
DOCKER = DEPLOY / "docker"
NEO4J_CONF = DEPLOY / "neo4j" / "n2v.conf"
SETTINGS_JAVA = REPO / "plugin-adapter/src/main/java/org/n2v/neo4j/N2vSettings.java"
SIDECAR_MAIN = REPO / "sidecar/src/main.cc"
HEALTH_PROBE = REPO / "sidecar/src/health_probe.cc"
RUNNER = REPO / "tools/n2v_reembed.py"

SIDECAR_PORT = 50051
UNITS = ["n2v-sidecar.service", "n2v-reembed.service", "n2v-reembed.timer"]


# --------------------------------------------------------------- parsing


def sidecar_flags():
    """Flag names n2v-sidecar defines (ABSL_FLAG in main.cc), with dashes."""
    names = re.findall(r"ABSL_FLAG\(\s*[\w:]+\s*,\s*(\w+)\s*,", SIDECAR_MAIN.read_text())
    assert len(names) >= 10, "cannot find the ABSL_FLAG definitions in main.cc"
    return {"--" + n.replace("_", "-") for n in names}


def probe_flags():
    """Flags n2v-health-probe accepts (the arg == / != "--..." tests in its source)."""
    names = set(re.findall(r'arg [=!]= "(--[\w-]+)"', HEALTH_PROBE.read_text()))
    assert {"--address", "--service", "--timeout", "--tls-ca"} <= names, names
    return names


def flag_values(args):
    """{flag: value} from --flag value / --flag=value argument lists."""
    values, i = {}, 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            if "=" in arg:
                name, value = arg.split("=", 1)
            elif i + 1 < len(args) and not args[i + 1].startswith("--"):
                name, value = arg, args[i + 1]
                i += 1
            else:
                name, value = arg, None
            values[name] = value
        i += 1
    return values


def duration_seconds(text):
    """Abseil durations ("30s", "1m30s", "500ms", "1h") in seconds."""
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", text)
    assert parts and "".join(a + b for a, b in parts) == text, f"bad duration {text!r}"
    return sum(float(a) * units[b] for a, b in parts)


def systemd_seconds(text):
    """systemd time spans ("60", "90s", "1min 30s", "55min") in seconds."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text):
        assert unit in units, f"unit {unit!r} in {text!r}"
        total += float(number) * units[unit]
    return total


def byte_size(text):
    """Sizes as the sidecar (8GiB, 512MB), systemd (10G) or Kubernetes (8Gi) write them."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", text.strip())
    assert match, f"bad size {text!r}"
    number, unit = float(match[1]), match[2].lower().rstrip("b") or ""
    powers = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}
    if unit.endswith("i"):
        return number * 1024 ** powers[unit[:-1]]
    if len(match[2]) == 1 and match[2] in "KMGT":  # systemd: K/M/G/T are 1024-based
        return number * 1024 ** powers[unit]
    return number * 1000 ** powers[unit]


def read_unit(path):
    """{section: {key: [values]}} of a systemd unit file (continuations joined)."""
    sections, section, pending = {}, None, ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, value = line.split("=", 1)
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_value(unit, section, key):
    values = unit.get(section, {}).get(key)
    assert values, f"{section}.{key} is missing"
    return values[-1]


def read_env_file(path):
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    return env


def manifests():
    """[(file name, document)] of every Kubernetes manifest except the kustomization."""
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


def one(kind, name=None):
    found = [d for _, d in manifests()
             if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def sidecar_deployment():
    return one("Deployment", "n2v-sidecar")


def sidecar_container():
    containers = sidecar_deployment()["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def cronjob_pod_spec():
    return one("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def dockerfile(name):
    """[(instruction, arguments)] of a Dockerfile, continuations joined."""
    instructions, pending = [], ""
    for raw in (DOCKER / name).read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        line = pending + line
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    return instructions


def final_stage(instructions):
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def exec_form(text):
    """The words of a JSON exec form or a shell form."""
    text = text.strip()
    if text.startswith("["):
        return yaml.safe_load(text)  # JSON arrays are YAML
    return shlex.split(text)


def apt_packages(instructions_or_text):
    """Package names after 'apt-get install' (options and continuations skipped)."""
    text = instructions_or_text
    if not isinstance(text, str):
        text = " ".join(rest for word, rest in instructions_or_text if word == "RUN")
    packages = []
    for match in re.finditer(r"apt-get install ([^&;]*)", text):
        packages += [w for w in match[1].split() if not w.startswith("-") and w != "\\"]
    return packages


# --------------------------------------------------------------- systemd


def analyze_copies(tmp_path):
    """Copies of the units with every Exec*= program replaced by an existing
    binary.

    `systemd-analyze verify` fails (exit 1, "Command ... is not executable")
    when an ExecStart= program does not exist on the machine running it, and
    /usr/local/bin/n2v-sidecar or the runner's virtual environment are not
    installed where the tests run. Two ways work: verify copies whose Exec*=
    programs are rewritten to an existing binary (used here: simple, any
    systemd), or --root=DIR with stub executables at the real paths plus a
    copy of the host's unit directory (without sysinit.target and friends
    under DIR every unit fails with "Unit sysinit.target not found"). Only
    the program path changes; every other line is verified as written.
    """
    true = shutil.which("true")
    assert true
    for name in UNITS:
        text = (SYSTEMD / name).read_text()
        text = re.sub(r"(?m)^(Exec\w+=[-@:+!]*)(\S+)", lambda m: m[1] + true, text)
        (tmp_path / name).write_text(text)
    return [str(tmp_path / n) for n in UNITS]


def run_analyze(args):
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                          timeout=120)


def test_units_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    result = run_analyze(["verify", "--man=no", *analyze_copies(tmp_path)])
    # verify exits 0 on warnings it "ignores" (unknown keys, values it cannot
    # parse), so any line about our units counts as a failure too. Lines
    # about the host's own units are not ours to judge.
    ours = [line for line in (result.stdout + result.stderr).splitlines()
            if "n2v" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["n2v-sidecar.service", "n2v-reembed.service"])
def test_units_stay_hardened(tmp_path, name):
    """systemd's own exposure score (0 best .. 10) stays at 2.5 or below."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    analyze_copies(tmp_path)
    result = run_analyze(["security", "--offline=true", "--threshold=25", "--no-pager",
                          str(tmp_path / name)])
    if "offline" in result.stderr and "unrecognized option" in result.stderr:
        pytest.skip("this systemd-analyze has no --offline security review")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_sidecar_unit():
    unit = read_unit(SYSTEMD / "n2v-sidecar.service")
    s = "Service"
    assert unit_value(unit, s, "Type") == "simple"
    assert unit_value(unit, s, "User") == "n2v"
    assert unit_value(unit, s, "EnvironmentFile").lstrip("-") == "/etc/n2v/sidecar.env"
    assert unit_value(unit, s, "KillSignal") == "SIGTERM"
    assert unit_value(unit, s, "Restart") == "on-failure"
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("ProtectHome", "yes"), ("PrivateTmp", "yes")]:
        assert unit_value(unit, s, key) == value, key
    assert unit_value(unit, "Install", "WantedBy") == "multi-user.target"

    command = shlex.split(unit_value(unit, s, "ExecStart"))
    assert command[0] == "/usr/local/bin/n2v-sidecar"
    flags = flag_values(command[1:])
    unknown = set(flags) - sidecar_flags()
    assert not unknown, f"not flags of n2v-sidecar: {unknown}"
    # Every ${VAR} has a default in the unit and is documented in the example
    # env file, and the env file sets nothing the unit does not use.
    used = set(re.findall(r"\$\{(\w+)\}", unit_value(unit, s, "ExecStart")))
    defaults = dict(v.split("=", 1) for v in unit[s]["Environment"])
    env_text = (SYSTEMD / "sidecar.env").read_text()
    documented = set(re.findall(r"(?m)^#?(N2V_\w+)=", env_text))
    assert used and used <= set(defaults), used - set(defaults)
    assert used == documented, (used, documented)

    env = {**defaults, **read_env_file(SYSTEMD / "sidecar.env")}
    grace = duration_seconds(env["N2V_GRACE"])
    # The sidecar waits up to grace + 5 s on SIGTERM before it exits.
    assert systemd_seconds(unit_value(unit, s, "TimeoutStopSec")) > grace + 5
    budget = byte_size(env["N2V_MEMORY_BUDGET"])
    assert byte_size(unit_value(unit, s, "MemoryMax")) > budget


def test_reembed_units():
    service = read_unit(SYSTEMD / "n2v-reembed.service")
    assert unit_value(service, "Service", "Type") == "oneshot"
    assert unit_value(service, "Service", "User") == "n2v"
    command = shlex.split(unit_value(service, "Service", "ExecStart"))
    assert any(word.endswith("/n2v_reembed.py") for word in command), command
    assert flag_values(command).get("--config") == "/etc/n2v/reembed.toml"
    # The lock file's directory is the one place the hardened unit may write.
    config = tomllib.loads((SYSTEMD / "reembed.toml").read_text())
    lock_dir = os.path.dirname(config["runner"]["lock_file"])
    assert lock_dir == "/var/lib/" + unit_value(service, "Service", "StateDirectory")
    # password_file names the credential the unit loads.
    credential = unit_value(service, "Service", "LoadCredential").split(":")[0]
    assert config["neo4j"]["password_file"] == \
        f"/run/credentials/n2v-reembed.service/{credential}"

    timer = read_unit(SYSTEMD / "n2v-reembed.timer")
    t = "Timer"
    assert unit_value(timer, t, "OnCalendar")
    assert unit_value(timer, t, "Persistent") == "true"
    assert systemd_seconds(unit_value(timer, t, "RandomizedDelaySec")) > 0
    # verify does not notice a timer whose unit does not exist.
    target = timer[t].get("Unit", ["n2v-reembed.service"])[-1]
    assert (SYSTEMD / target).is_file(), target
    assert unit_value(timer, "Install", "WantedBy") == "timers.target"


def runner_load_config():
    """The runner's own job-file check, if it has one."""
    spec = importlib.util.spec_from_file_location("n2v_reembed", RUNNER)
    module = importlib.util.module_from_spec(spec)
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no tools/__pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = saved
    return getattr(module, "load_config", None)


def reembed_configs(tmp_path):
    configmap = one("ConfigMap", "n2v-reembed-config")
    k8s_copy = tmp_path / "k8s-reembed.toml"
    k8s_copy.write_text(configmap["data"]["reembed.toml"])
    return [SYSTEMD / "reembed.toml", k8s_copy]


def test_reembed_job_files(tmp_path):
    load_config = runner_load_config()
    for path in reembed_configs(tmp_path):
        data = tomllib.loads(path.read_text())
        assert data["neo4j"]["uri"].startswith(("bolt://", "neo4j://")), path
        assert ("password_env" in data["neo4j"]) != ("password_file" in data["neo4j"])
        assert data["runner"]["lock_file"].startswith("/var/lib/n2v/")
        assert data["job"] and all(j["name"] and j["config"] for j in data["job"])
        if load_config is not None:
            load_config(str(path))  # raises on what the runner would refuse


def test_reembed_retry_budget_fits_each_run_deadline():
    """Both job files set retry_budget_seconds, and a run that spends it on one
    job still ends before systemd or Kubernetes stops it."""
    systemd = tomllib.loads((SYSTEMD / "reembed.toml").read_text())["runner"]
    service = read_unit(SYSTEMD / "n2v-reembed.service")
    assert systemd["retry_budget_seconds"] < systemd_seconds(
        unit_value(service, "Service", "TimeoutStartSec"))
    k8s = tomllib.loads(one("ConfigMap", "n2v-reembed-config")["data"]["reembed.toml"])["runner"]
    deadline = one("CronJob")["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]
    assert k8s["retry_budget_seconds"] < deadline
    for runner in (systemd, k8s):
        assert "retries" not in runner, "a retries cap would end retries before the budget"


# --------------------------------------------------------------- Kubernetes


@pytest.mark.parametrize("path", sorted(K8S.glob("*.yaml")), ids=lambda p: p.name)
def test_manifest_parses(path):
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs, f"{path.name} is empty"
    for doc in docs:
        assert isinstance(doc, dict)
        assert doc.get("apiVersion") and doc.get("kind"), path.name
        if doc["kind"] != "Kustomization":
            assert doc.get("metadata", {}).get("name"), path.name


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(listed) == present
    kinds = {d["kind"] for _, d in manifests()}
    assert {"Deployment", "Service", "NetworkPolicy", "Secret", "ConfigMap",
            "CronJob"} <= kinds


def test_sidecar_labels_and_selectors_agree():
    deployment = sidecar_deployment()
    selector = deployment["spec"]["selector"]["matchLabels"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector and selector.items() <= pod_labels.items()
    service = one("Service", "n2v-sidecar")
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert service["spec"]["selector"].items() <= pod_labels.items()
    ports = service["spec"]["ports"]
    assert [p["port"] for p in ports] == [SIDECAR_PORT]
    container_ports = {p["name"]: p["containerPort"] for p in sidecar_container()["ports"]}
    target = ports[0].get("targetPort", SIDECAR_PORT)
    assert container_ports.get(target, target) == SIDECAR_PORT
    policy = one("NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()


def test_networkpolicy_admits_only_neo4j_and_runner():
    policy = one("NetworkPolicy")["spec"]
    assert "Ingress" in policy["policyTypes"]
    runner_labels = cronjob_pod_spec_labels()
    allowed = [{"app.kubernetes.io/name": "neo4j"},
               {"app.kubernetes.io/name": runner_labels["app.kubernetes.io/name"]}]
    rules = policy["ingress"]
    assert rules, "no ingress rule: nothing could connect"
    seen = []
    for rule in rules:
        # A rule without "from" admits every source.
        assert rule.get("from"), rule
        for source in rule["from"]:
            assert set(source) == {"podSelector"}, source
            labels = source["podSelector"]["matchLabels"]
            assert labels in allowed, labels
            seen.append(labels)
        assert [p["port"] for p in rule["ports"]] == [SIDECAR_PORT]
    assert all(a in seen for a in allowed)


def cronjob_pod_spec_labels():
    cronjob = one("CronJob")
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]


def probe_targets_sidecar_port(probe):
    if "grpc" in probe:
        return probe["grpc"]["port"] == SIDECAR_PORT
    if "tcpSocket" in probe:
        return probe["tcpSocket"]["port"] in (SIDECAR_PORT, "grpc")
    command = probe["exec"]["command"]
    assert os.path.basename(command[0]) == "n2v-health-probe", command
    assert set(flag_values(command[1:])) <= probe_flags(), command
    address = flag_values(command[1:]).get("--address", "127.0.0.1:50051")
    return address.rsplit(":", 1)[1] == str(SIDECAR_PORT)


def test_sidecar_deployment_probes_and_security():
    deployment = sidecar_deployment()
    pod = deployment["spec"]["template"]["spec"]
    container = sidecar_container()
    for kind in ("readinessProbe", "livenessProbe"):
        assert kind in container, kind
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        if kind in container:
            assert probe_targets_sidecar_port(container[kind]), kind
    pod_security = pod.get("securityContext", {})
    security = container.get("securityContext", {})
    assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True
    user = security.get("runAsUser", pod_security.get("runAsUser"))
    assert user is None or user != 0
    assert security.get("readOnlyRootFilesystem") is True
    assert security.get("allowPrivilegeEscalation") is False
    # Memory: a limit above the budget the sidecar is told to keep to.
    flags = flag_values(container["args"])
    assert set(flags) <= sidecar_flags(), set(flags) - sidecar_flags()
    assert flags.get("--listen", "").endswith(f":{SIDECAR_PORT}")
    assert "--memory-budget" in flags, "the default budget is half the node's memory"
    limit = byte_size(container["resources"]["limits"]["memory"])
    assert limit > byte_size(flags["--memory-budget"])
    assert deployment["spec"].get("replicas", 1) == 1


def test_termination_grace_exceeds_sidecar_grace():
    pod = sidecar_deployment()["spec"]["template"]["spec"]
    grace = duration_seconds(flag_values(sidecar_container()["args"]).get("--grace", "30s"))
    # SIGTERM: jobs get --grace, calls in flight 5 s more, then the sidecar exits.
    assert pod["terminationGracePeriodSeconds"] > grace + 5


def test_sidecar_secret_files_are_mounted():
    container = sidecar_container()
    pod = sidecar_deployment()["spec"]["template"]["spec"]
    flags = flag_values(container["args"])
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    secrets = {d["metadata"]["name"]: d for _, d in manifests() if d["kind"] == "Secret"}
    files = [flags[f] for f in ("--token-file", "--tls-cert", "--tls-key", "--tls-client-ca")
             if flags.get(f)]
    assert any(f == flags.get("--token-file") for f in files), "no --token-file"
    # The CA the exec probes trust comes from a mounted Secret as well.
    for kind in ("readinessProbe", "livenessProbe"):
        ca = flag_values(container[kind].get("exec", {}).get("command", [])[1:]).get("--tls-ca")
        if ca:
            files.append(ca)
    for path in files:
        directory, key = os.path.split(path)
        assert directory in mounts, f"{path}: nothing mounted at {directory}"
        assert mounts[directory].get("readOnly") is True
        volume = volumes[mounts[directory]["name"]]
        secret = secrets[volume["secret"]["secretName"]]
        assert key in secret.get("stringData", {}) or key in secret.get("data", {}), path


def test_plugin_token_is_trusted():
    """The Neo4j plugin acts for each Neo4j user, which the sidecar allows
    only a token marked trusted; the plugin reads the first token of the
    list, so the first entry is '<token> <name> trusted'."""
    secret = one("Secret", "n2v-sidecar-token")
    lines = [line.strip() for line in secret["stringData"]["tokens"].splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    assert entries, "no token"
    fields = entries[0].split()
    assert len(fields) == 3 and fields[2] == "trusted", entries[0]


def test_secrets_are_templates():
    secrets = [d for _, d in manifests() if d["kind"] == "Secret"]
    assert len(secrets) >= 3
    for secret in secrets:
        values = {**secret.get("data", {}), **secret.get("stringData", {})}
        assert values, secret["metadata"]["name"]
        for key, value in values.items():
            assert "REPLACE" in value, f"{secret['metadata']['name']}/{key} is not a placeholder"
            assert "-----BEGIN" not in value


def test_reembed_cronjob():
    cronjob = one("CronJob")
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert cronjob["spec"]["schedule"]
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert isinstance(job["backoffLimit"], int)
    pod = cronjob_pod_spec()
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True

    config_path = flag_values(container["args"])["--config"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    config_dir, config_key = os.path.split(config_path)
    configmap_name = volumes[mounts[config_dir]["name"]]["configMap"]["name"]
    configmap = one("ConfigMap", configmap_name)
    config = tomllib.loads(configmap["data"][config_key])

    # The password: an env var from a Secret, the one password_env names.
    env = {e["name"]: e for e in container["env"]}
    password_env = config["neo4j"]["password_env"]
    ref = env[password_env]["valueFrom"]["secretKeyRef"]
    secret = one("Secret", ref["name"])
    assert ref["key"] in secret.get("stringData", secret.get("data", {}))
    # The lock file lies on a writable volume (the root file system is not).
    lock_dir = os.path.dirname(config["runner"]["lock_file"])
    assert lock_dir in mounts and not mounts[lock_dir].get("readOnly", False)
    assert "emptyDir" in volumes[mounts[lock_dir]["name"]]


# --------------------------------------------------------------- Docker


DOCKERFILES = ["Dockerfile.sidecar", "Dockerfile.reembed", "Dockerfile.mpi"]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_structure(name):
    instructions = dockerfile(name)
    assert sum(1 for word, _ in instructions if word == "FROM") >= 2, "not multi-stage"
    final = final_stage(instructions)
    users = [rest for word, rest in final if word == "USER"]
    assert users, "the final stage runs as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), user
    # USER comes after every RUN of the final stage's setup, i.e. at the end.
    last_user = max(i for i, (word, _) in enumerate(final) if word == "USER")
    assert all(word != "RUN" for word, _ in final[last_user:])
    entrypoints = [rest for word, rest in final if word == "ENTRYPOINT"]
    assert entrypoints and exec_form(entrypoints[-1])


def test_sidecar_dockerfile():
    instructions = dockerfile("Dockerfile.sidecar")
    final = final_stage(instructions)
    words = dict(final)
    assert words["FROM"].startswith("debian:bookworm-slim")
    assert str(SIDECAR_PORT) in words["EXPOSE"].split()
    health = words.get("HEALTHCHECK", "")
    command = exec_form(health.split("CMD", 1)[1])
    assert command[0] == "n2v-health-probe"
    assert set(flag_values(command[1:])) <= probe_flags()
    assert flag_values(command[1:]).get("--address", "127.0.0.1:50051").endswith(
        f":{SIDECAR_PORT}")
    entrypoint = exec_form(words["ENTRYPOINT"])
    assert entrypoint[0] == "n2v-sidecar"
    assert flag_values(entrypoint[1:])["--listen"] == f"0.0.0.0:{SIDECAR_PORT}"
    cmd = exec_form(words.get("CMD", "[]"))
    assert set(flag_values(entrypoint[1:] + cmd)) <= sidecar_flags()

    builder = instructions[:len(instructions) - len(final)]
    assert builder[0][1].startswith("debian:bookworm ")
    build = " ".join(rest for word, rest in builder if word == "RUN")
    assert "-DN2V_BUILD_TESTS=OFF" in build and "-DN2V_BUILD_BENCHMARKS=OFF" in build
    for target in ("n2v-sidecar", "n2v-health-probe", "n2v"):
        assert re.search(rf"--target [\w\- ]*\b{target}\b", build), target
    # The builder installs the sidecar's build dependencies, which
    # scripts/install_deps.sh installs as well.
    needed = {"build-essential", "cmake", "ninja-build", "libabsl-dev", "libtbb-dev",
              "libgrpc++-dev", "libprotobuf-dev", "protobuf-compiler",
              "protobuf-compiler-grpc", "zlib1g-dev"}
    assert needed <= set(apt_packages(builder))
    install_deps = (REPO / "scripts/install_deps.sh").read_text()
    assert needed <= set(install_deps.split())
    runtime = set(apt_packages(final))
    assert not {p for p in runtime if p.endswith("-dev")}, "dev packages at runtime"
    assert {"libgrpc++1.51", "libprotobuf32", "libabsl20220623", "libtbb12",
            "zlib1g"} <= runtime


def test_sidecar_runtime_packages_cover_the_binaries():
    """Every shared library the built binaries load (ldd) comes from a package
    the runtime stage installs, or from the base image: in the sidecar image,
    and in the MPI image (which holds the same binaries, and n2v-mpi where
    N2V_MPI names a build of it). Needs the binaries (ctest passes their
    paths) and dpkg."""
    binaries = [os.environ.get(v) for v in ("N2V_SIDECAR", "N2V_HEALTH_PROBE", "N2V_BIN")]
    if not all(binaries) or not shutil.which("dpkg") or not shutil.which("ldd"):
        pytest.skip("needs N2V_SIDECAR, N2V_HEALTH_PROBE, N2V_BIN, ldd and dpkg")
    assert_runtime_covers("Dockerfile.sidecar", binaries)
    mpi = [os.environ["N2V_MPI"]] if os.environ.get("N2V_MPI") else []
    assert_runtime_covers("Dockerfile.mpi", binaries + mpi)


def shared_libraries(path):
    ldd = subprocess.run(["ldd", path], capture_output=True, text=True, check=True)
    return set(re.findall(r"=> (/\S+)", ldd.stdout))


def without_mpi(libraries, binaries):
    """The libraries a build without MPI (-DN2V_BUILD_DISTRIBUTED=OFF) loads:
    less libmpi and what it alone brings (what the MPI-free n2v CLI also
    loads stays)."""
    mpi = {l for l in libraries if re.search(r"/libmpi(_cxx)?\.so", l)}
    if not mpi:
        return libraries
    brought = set(mpi)
    for library in mpi:
        brought |= shared_libraries(library)
    cli = shared_libraries(os.environ["N2V_BIN"]) if os.environ.get("N2V_BIN") else set()
    return libraries - (brought - cli)


def assert_runtime_covers(name, binaries):
    base_image = {"libc6", "libstdc++6", "libgcc-s1"}
    instructions = dockerfile(name)
    runtime = set(apt_packages(final_stage(instructions)))
    libraries = set()
    for binary in binaries:
        libraries |= shared_libraries(binary)
    build = " ".join(rest for word, rest in instructions if word == "RUN")
    if "-DN2V_BUILD_DISTRIBUTED=OFF" in build:
        libraries = without_mpi(libraries, binaries)
    assert libraries
    # One dpkg -S for all: each library by the path ldd found and by its real
    # path (dpkg knows one of them when /lib is a link to /usr/lib). Lines
    # are "package[:arch]: path"; libraries of no package (built here) are
    # not looked for.
    paths = sorted(libraries | {os.path.realpath(p) for p in libraries})
    found = subprocess.run(["dpkg", "-S", *paths], capture_output=True, text=True)
    owners = {}
    for line in found.stdout.splitlines():
        package, _, path = line.partition(": ")
        owners[path] = package.split(":")[0]
    missing = {}
    for library in libraries:
        owner = owners.get(library) or owners.get(os.path.realpath(library))
        if owner is not None and owner not in runtime | base_image:
            missing.setdefault(owner, []).append(os.path.basename(library))
    assert owners, found.stderr
    assert not missing, f"{name}: runtime stage lacks {missing}"


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_copy_sources_exist(name):
    ignore = DOCKER / f"{name}.dockerignore"
    allowed = None
    if ignore.exists():  # allowlists: "*" then "!path" lines
        lines = [line.strip() for line in ignore.read_text().splitlines()
                 if line.strip() and not line.startswith("#")]
        assert lines[0] == "*"
        allowed = [line[1:].rstrip("/") for line in lines[1:] if line.startswith("!")]
    copies = 0
    for word, rest in dockerfile(name):
        if word not in ("COPY", "ADD"):
            continue
        words = [w for w in exec_form(rest) if not w.startswith("--")]
        if any(w.startswith("--from") for w in exec_form(rest)):
            continue
        for source in words[:-1]:
            copies += 1
            assert (REPO / source).exists(), f"{name}: COPY {source}: no such file"
            if allowed is not None:
                clean = source.rstrip("/")
                assert any(clean == a or clean.startswith(a + "/") for a in allowed), \
                    f"{name}: COPY {source} is excluded by {ignore.name}"
    assert copies


def test_reembed_dockerfile():
    final = final_stage(dockerfile("Dockerfile.reembed"))
    words = dict(final)
    assert "python:3.11" in words["FROM"] or "bookworm" in words["FROM"]
    entrypoint = exec_form(words["ENTRYPOINT"])
    assert any(w.endswith("n2v_reembed.py") or w == "n2v-reembed" for w in entrypoint)
    everything = (DOCKER / "Dockerfile.reembed").read_text()
    assert re.search(r"pip install [^\n]*(neo4j|\$NEO4J_DRIVER)", everything)
    assert re.search(r'NEO4J_DRIVER="?neo4j', everything)


def test_readmes_name_existing_files():
    for readme in (DEPLOY / "README.md", DOCKER / "README.md"):
        text = readme.read_text()
        paths = set(re.findall(r"(?<![\w/.])((?:deploy|tools|scripts|sidecar)/[\w./-]*\w)", text))
        assert paths, readme
        for path in paths:
            assert (REPO / path).exists(), f"{readme.relative_to(REPO)} names {path}"


# --------------------------------------------------------------- Neo4j


def declared_settings():
    names = re.findall(r'newBuilder\(\s*"(dbms\.n2v\.[\w.]+)"', SETTINGS_JAVA.read_text())
    assert names, "no newBuilder(\"dbms.n2v...\") in N2vSettings.java"
    return names


def test_neo4j_conf_names_every_setting():
    text = NEO4J_CONF.read_text()
    present = set(re.findall(r"(?m)^#?\s*(dbms\.n2v\.[\w.]+)\s*=", text))
    missing = set(declared_settings()) - present
    assert not missing, f"n2v.conf lacks {sorted(missing)}"
    unknown = present - set(declared_settings())
    assert not unknown, f"n2v.conf names settings the plugin does not declare: {unknown}"


def test_neo4j_conf_procedure_security():
    text = NEO4J_CONF.read_text()
    active = dict(line.split("=", 1) for line in text.splitlines()
                  if line and not line.startswith("#"))
    assert "n2v.*" in active["dbms.security.procedures.allowlist"].split(",")
    # unrestricted is documented (the plugin does not need it: see the file).
    assert re.search(r"(?m)^#?dbms\.security\.procedures\.unrestricted=n2v\.\*$", text)
    assert re.search(r"allowlist.*other plugin", text, re.S)
