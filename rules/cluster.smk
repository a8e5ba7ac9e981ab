# Where jobs run under a cluster executor (profiles/cloud-gpu): the GPU rules go to the cluster;
# every other rule stays on this machine unless config cluster.cpu_rules is "slurm".
# A GPU rule is one whose resources ask for `gpu` (the one place that says so; the profile's
# set-resources and deep_past.cloud are checked against it by tests/test_gpu_rules.py).


def gpu_rules():
    return [r.name for r in workflow.rules if "gpu" in r.resources]


def keep_cpu_rules_local():
    """Mark every rule but the GPU ones local, whatever rules the other files define."""
    if config["cluster"]["cpu_rules"] == "local":
        gpu = gpu_rules()
        workflow.localrules(*[r.name for r in workflow.rules if r.name not in gpu])


# At start-up, when all rules are known (this file is included before some of them).
onstart:
    keep_cpu_rules_local()
