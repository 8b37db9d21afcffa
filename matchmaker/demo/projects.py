"""The demo's demonstration projects, from the selected proposal to the published result,
played through the project services at past moments on the selection's Timeline."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select

from matchmaker.common.timezone import to_tokyo
from matchmaker.demo.pdf import text_pdf
from matchmaker.extensions import db
from matchmaker.projects import parts, publication
from matchmaker.projects import services as projects
from matchmaker.projects.models import KpiDirection, MilestoneStatus, Project
from matchmaker.proposals.models import Proposal, ProposalStatus

Step = Callable[[datetime], object]


def add_project_steps(timeline, data: dict, users: dict, calls: dict) -> None:
    """Add every step of every demo project in data["projects"] to the timeline."""
    for spec in data.get("projects", []):
        DemoProject(timeline, spec, users, calls).add_steps()


def _pdf_file(spec: dict, moment: datetime) -> tuple[io.BytesIO, str]:
    """A one-page PDF of the spec's lines, dated on the day it is uploaded."""
    lines = [*spec["lines"], f"Date: {to_tokyo(moment).date().isoformat()}"]
    return io.BytesIO(text_pdf(lines)), spec["filename"]


class DemoProject:
    """One project's steps; objects made by earlier steps are kept for the later ones."""

    def __init__(self, timeline, spec: dict, users: dict, calls: dict):
        self.timeline, self.spec, self.calls = timeline, spec, calls
        self.department = users[spec["department"]]
        self.provider = users[spec["provider"]]
        self.project: Project | None = None
        self.milestones: dict[int, object] = {}
        self.kpis: dict[int, object] = {}

    def day(self, day: int) -> date:
        """The Tokyo calendar date `day` days from the load."""
        return to_tokyo(self.timeline.at(day, 12)).date()

    def add(self, day: int, hour: int, minute: int, step: Step) -> None:
        self.timeline.add(self.timeline.at(day, hour, minute), step)

    def add_steps(self) -> None:
        spec = self.spec
        self.add(spec["start_day"], 10, 0, self.start)
        self.add_agreement(spec["agreement"])
        self.add(spec["run_day"], 9, 0, self.move("start", self.department))
        for index, milestone in enumerate(spec.get("milestones", [])):
            if "report" in milestone:
                report = milestone["report"]
                self.add(report["day"], 17, index, self.report_milestone(index, report))
        for index, kpi in enumerate(spec.get("kpis", [])):
            if kpi.get("actual") is not None:
                self.add(kpi["measured_day"], 16, index, self.record_actual(index, kpi))
        for update in spec.get("updates", []):
            self.add(update["day"], 12, 0, self.progress_update(update))
        if "final_report" in spec:
            self.add(spec["final_report"]["day"], 11, 0, self.final_report(spec["final_report"]))
        if "complete_day" in spec:
            self.add(spec["complete_day"], 15, 0, self.move("complete", self.provider))
        if "decision" in spec:
            decision = spec["decision"]
            step = self.move(decision["action"], self.department, decision["reason"])
            self.add(decision["day"], 11, 0, step)
        if "result" in spec:
            self.add(spec["result"]["day"], 10, 0, self.result(spec["result"]))
        if "publish_day" in spec:
            self.add(spec["publish_day"], 10, 0, self.publish)

    def start(self, now: datetime) -> None:
        """The department starts the project from the call's selected proposal."""
        proposal = db.session.scalar(
            select(Proposal).where(
                Proposal.call_id == self.calls[self.spec["call"]].id,
                Proposal.status == ProposalStatus.SELECTED,
            )
        )
        self.project, _created = projects.start_project(proposal, self.department)

    def add_agreement(self, spec: dict) -> None:
        """The agreement (date, term, PDF), then the milestones and KPIs the department sets."""

        def agree(now: datetime) -> None:
            projects.update_agreement(
                self.project,
                self.department,
                self.day(spec["day"]),
                self.day(spec["starts_day"]),
                self.day(spec["ends_day"]),
                _pdf_file(spec["pdf"], now),
            )

        self.add(spec["day"], 10, 0, agree)
        for index, milestone in enumerate(self.spec.get("milestones", [])):
            self.add(spec["day"], 10, 10 + index, self.define_milestone(index, milestone))
        for index, kpi in enumerate(self.spec.get("kpis", [])):
            self.add(spec["day"], 10, 30 + index, self.define_kpi(index, kpi))

    def define_milestone(self, index: int, spec: dict) -> Step:
        def define(now: datetime) -> None:
            self.milestones[index] = parts.save_milestone(
                self.project, self.department, spec["title"], self.day(spec["due_day"])
            )

        return define

    def define_kpi(self, index: int, spec: dict) -> Step:
        def define(now: datetime) -> None:
            self.kpis[index] = parts.save_kpi(
                self.project,
                self.department,
                spec["name"],
                spec["unit"],
                KpiDirection(spec["direction"]),
                spec.get("baseline"),
                spec["target"],
            )

        return define

    def move(self, action: str, actor, reason: str = "") -> Step:
        return lambda now: projects.transition(self.project, action, actor, reason, now)

    def report_milestone(self, index: int, spec: dict) -> Step:
        def report(now: datetime) -> None:
            status = MilestoneStatus(spec["status"])
            parts.report_milestone(
                self.project,
                self.provider,
                self.milestones[index],
                status,
                spec["evidence"],
                self.day(spec["day"]) if status is MilestoneStatus.DONE else None,
                _pdf_file(spec["pdf"], now) if "pdf" in spec else None,
            )

        return report

    def record_actual(self, index: int, spec: dict) -> Step:
        return lambda now: parts.record_kpi_actual(
            self.project,
            self.provider,
            self.kpis[index],
            spec["actual"],
            self.day(spec["measured_day"]),
        )

    def progress_update(self, spec: dict) -> Step:
        def update(now: datetime) -> None:
            files = [_pdf_file(spec["pdf"], now)] if "pdf" in spec else []
            parts.add_update(self.project, self.provider, spec["body"], files)

        return update

    def final_report(self, spec: dict) -> Step:
        def report(now: datetime) -> None:
            pdf = _pdf_file(spec["pdf"], now) if "pdf" in spec else None
            projects.update_final_report(self.project, self.provider, spec["text"], pdf)

        return report

    def result(self, spec: dict) -> Step:
        return lambda now: publication.update_result(
            self.project,
            self.department,
            spec["outcome"],
            spec["contact_name"],
            spec["contact_email"],
        )

    def publish(self, now: datetime) -> None:
        publication.set_published(self.project, self.department, True, now)
