"""`sf.progress()`: the learner's progress over the whole course, as a table in the notebook (see
dlfs.progress; it runs each chapter in a fresh kernel and never changes a notebook)."""


def progress(folder=None):
    from IPython.display import HTML, display

    from dlfs.progress import as_html, course_progress, notebooks_folder

    display(HTML(as_html(course_progress(folder or notebooks_folder()))))
