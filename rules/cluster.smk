# Where jobs run under a cluster executor (profiles/cloud-gpu): the GPU rules go to the cluster;
# every other rule stays on this machine unless config cluster.cpu_rules is "slurm".
# A new rule that needs a GPU goes in this list (and gets `gpu` in its resources).
GPU_RULES = ["train", "predict", "predict_zeroshot", "predict_samples", "pretrain"]


def keep_cpu_rules_local():
    """Mark every rule but the GPU ones local, whatever rules the other files define."""
    if config["cluster"]["cpu_rules"] == "local":
        workflow.localrules(
            *[r.name for r in workflow.rules if r.name not in GPU_RULES]
        )


# At start-up, when all rules are known (this file is included before some of them).
onstart:
    keep_cpu_rules_local()
