"""Course tooling (not for learners): generating the student release, grading."""
