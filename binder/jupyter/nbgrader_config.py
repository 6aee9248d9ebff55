"""nbgrader settings for the learner's Validate button (read through JUPYTER_CONFIG_PATH, which
binder/start sets), and for `nbgrader validate` in a terminal: the release copies this file to
notebooks/nbgrader_config.py."""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# A cell of chapter 5 or 6 can take a minute on a shared Binder machine; nbgrader's default is 30 s.
c.Execute.timeout = 300
# After a cell's reply, nbgrader waits only 4 s for its last output and then fails the whole
# validation ("Timeout waiting for IOPub output"); a busy machine can take longer than that.
c.Execute.iopub_timeout = 60
# A client that cannot sleep through a kernel's reply, which made Validate wait out the 300 s above
# on a busy machine (see lib/dlfs/kernels.py).
c.KernelManager.client_factory = "dlfs.kernels.WakefulKernelClient"
