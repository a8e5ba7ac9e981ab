"""Notebook rendering without running the workflow: the inlined module set and StrictUndefined."""

import pytest

from deep_past.kaggle.notebook import notebook_modules, python_literal, render_notebook


def test_inlined_modules_are_the_ones_the_notebook_runs():
    modules = notebook_modules()
    for needed in (
        "deep_past.text.transliteration",
        "deep_past.text.postprocess",
        "deep_past.prompting.registry",
        "deep_past.corpus.segments",
        "deep_past.modeling.generate",
        "deep_past.text.long_sources",  # the predict cell joins an over-long source's pieces
        "deep_past.text.preprocess",
        "deep_past.steps.dataset",
        "deep_past.text",
        "deep_past.modeling.precision",  # the dtype guard before each model's full run
    ):
        assert needed in modules
    # Training, the memory and the Kaggle client stay out unless a prompt needs them.
    for absent in (
        "deep_past.modeling.train",
        "deep_past.retrieval.memory",
        "deep_past.kaggle.client",
    ):
        assert absent not in modules
    assert "deep_past.retrieval.memory" in notebook_modules(["shots"])
    assert "deep_past.evaluation.mbr" in notebook_modules(ensemble=True)


def test_python_literal_round_trips():
    value = {"a/b.py": 'x = "<gap>"\n', "n": 3, "flag": True, "none": None}
    scope: dict = {}
    exec(python_literal("V", value), scope)
    assert scope["V"] == value


def test_undefined_template_variable_is_an_error(tmp_path):
    import jinja2

    template = tmp_path / "t.ipynb.j2"
    template.write_text(
        '{"cells": [], "metadata": {"x": {{ missing | tojson }}}, '
        '"nbformat": 4, "nbformat_minor": 4}'
    )
    with pytest.raises(jinja2.UndefinedError):
        render_notebook(template, {})
    assert '"x": 1' in render_notebook(template, {"missing": 1}).replace("\n", "")
