"""Checks run inside a Playwright page: axe-core (from npm), phone overflow and visible focus.

axe-core comes from node_modules (package.json pins it; `make test` runs `npm ci`). The page's
CSP (script-src 'self') refuses add_script_tag's inline script, so the script is evaluated through
the DevTools protocol instead, which CSP does not govern: the pages are checked exactly as served,
CSP included, with no bypass_csp.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Best-practice rules kept beside the WCAG ones: landmarks and one main heading per page.
STRUCTURE_RULES = {
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "page-has-heading-one",
    "region",
}
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
FOCUS_STEPS = 4  # the skip link, the brand and the first navigation links

RUN_AXE = """tags => axe.run(document, {
  runOnly: {type: 'tag', values: tags},
  resultTypes: ['violations'],
})"""

# The rules whose outcome depends on the width of the screen, run again at phone width.
PHONE_RULES = ["color-contrast", "scrollable-region-focusable", "meta-viewport"]
RUN_AXE_RULES = """rules => axe.run(document, {
  runOnly: {type: 'rule', values: rules},
  resultTypes: ['violations'],
})"""
NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

# Elements sticking out to the right of a phone screen: their tag, class and right edge.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const scroll = document.scrollingElement.scrollWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const cls = el.className && el.className.baseVal === undefined ? '.' + el.className : '';
      const name = el.tagName.toLowerCase() + cls.replace(/ +/g, '.');
      wide.push(`${name} right=${Math.round(box.right)}`);
    }
  }
  return {width, scroll, wide: wide.slice(0, 8)};
}"""

# How the element that has the keyboard focus shows it.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    element: el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''),
    text: (el.textContent || '').trim().slice(0, 40),
    outline: style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0,
    shadow: style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
      && box.left < window.innerWidth && box.top < window.innerHeight,
  };
}"""


def require_axe() -> Path:
    """Skip locally (fail in CI) when node_modules lacks axe-core, as conftest does for Chromium."""
    if not AXE.exists():
        message = f"{AXE} is missing: run `make node-deps` (npm ci)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations on the current page, and any landmark or
    main-heading problem (axe rates those moderate, but screen-reader users navigate by them)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(RUN_AXE, [*AXE_TAGS, "best-practice"])
    return [
        v
        for v in result["violations"]
        if (set(v["tags"]) & set(AXE_TAGS) or v["id"] in STRUCTURE_RULES)
        and (v["impact"] in BLOCKING or v["id"] in STRUCTURE_RULES)
    ]


def describe_violations(name: str, violations: list[dict]) -> list[str]:
    """One readable block per rule: impact, rule id, help text and the first offending nodes."""
    lines = []
    for v in violations:
        lines.append(f"{name}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return lines


def phone_problems(page, name: str) -> list[str]:
    """At a phone width the page must not scroll sideways, and what changes with the width
    (scrolling tables, contrast of rearranged parts) still passes axe."""
    page.set_viewport_size(PHONE)
    try:
        page.evaluate(NEXT_FRAME)  # let resize observers run (tables.js)
        found = page.evaluate(OVERFLOW)
        result = page.evaluate(RUN_AXE_RULES, PHONE_RULES)
    finally:
        page.set_viewport_size(DESKTOP)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    problems = describe_violations(f"{name} (phone)", blocking)
    if found["scroll"] > found["width"] + 1:
        wide = "; ".join(found["wide"])
        problems.append(
            f"{name}: {found['scroll']}px wide on a {found['width']}px phone screen: {wide}"
        )
    return problems


def focus_problems(page, name: str) -> list[str]:
    """Tab through the first controls: each shows a focus ring (outline of 2px+ or a shadow)."""
    problems = []
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(FOCUS_STEPS):
        page.keyboard.press("Tab")
        style = page.evaluate(FOCUS_STYLE)
        if style is None:
            problems.append(f"{name}: Tab moved the focus nowhere")
            break
        if not style["onScreen"]:
            problems.append(f"{name}: focused {style['element']} {style['text']!r} is off screen")
        if style["outline"] < 2 and not style["shadow"]:
            problems.append(f"{name}: focused {style['element']} {style['text']!r} shows no ring")
    return problems


def check_page(page, url: str, name: str, focus: bool = False, reload: bool = True) -> list[str]:
    """Every problem found on one page: axe at desktop width, overflow at phone width.

    reload=False checks the page as it is (a form re-rendered with errors after a POST).
    """
    if reload:
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{name}: {url} gave {response}"
    problems = describe_violations(name, axe_violations(page))
    problems += phone_problems(page, name)
    if focus:
        problems += focus_problems(page, name)
    return problems
