"""nbgrader's collect, refusing submissions that one user made in another's name.

On a shared exchange, `nbgrader submit --student=alice` run by mallory puts a folder named for alice
in the inbound directory; nbgrader 0.9 collects it as alice's with only a warning. Here a submission
whose folder is not owned by the student it names is left out before the latest one per student is
chosen, so a forged submission can neither be graded nor replace the student's own. Enable it in
the instructor's nbgrader config:

    c.ExchangeFactory.collect = "dlfs.exchange.OwnerCheckedCollect"

Where every user has the same uid (Zero to JupyterHub's default), ownership proves nothing: set
`c.ExchangeCollect.check_owner = False` there, and the check is off (nbgrader's own switch).
"""

import glob
import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect


class OwnerCheckedCollect(ExchangeCollect):
    def init_src(self):
        super().init_src()  # nbgrader's checks, the due date, and its choice among all submissions
        if not self.check_owner:
            return
        student = self.coursedir.student_id or "*"
        paths = glob.glob(os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*"))
        own = {}
        for rec in map(self._path_to_record, paths):
            owner = self._owner(rec)
            if owner == rec["username"]:
                own.setdefault(rec["username"], []).append(rec)
            else:
                name, claimed = rec["filename"], rec["username"]
                self.log.warning("refused %s: it names %s, but %s submitted it", name, claimed, owner)
        # nbgrader's choice again, among each student's own submissions: the latest one (the latest
        # before the due date, when asked to and there is one)
        self.src_records = [self._latest(records) for records in own.values()]

    def _owner(self, rec):
        try:
            return pwd.getpwuid(os.stat(os.path.join(self.inbound_path, rec["filename"])).st_uid).pw_name
        except KeyError:
            return "an unknown uid"

    def _latest(self, records):
        records = self._sort_by_timestamp(records)
        if self.before_duedate and self.duedate is not None:
            return next((rec for rec in records if rec["timestamp"] <= self.duedate), records[0])
        return records[0]
