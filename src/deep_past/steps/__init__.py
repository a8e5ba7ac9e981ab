"""File-in, file-out steps of the workflow: what each rule script calls."""
