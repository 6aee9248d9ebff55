"""nbgrader settings for the course: solutions/ is the source, notebooks/ is the release."""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "deep-learning-from-scratch"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# Generating the release needs a gradebook; keep it out of the repository (see dlfs.release).
c.CourseDirectory.db_url = "sqlite:///.nbgrader-gradebook.db"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.Execute.timeout = 120
# nbgrader fails the whole run when a cell's last output comes > 4 s after its reply (busy machine).
c.Execute.iopub_timeout = 60
# A client that cannot sleep through a kernel's reply (see lib/dlfs/kernels.py).
c.KernelManager.client_factory = "dlfs.kernels.WakefulKernelClient"
