"""Takes the README's two screenshots from a real run of the news20 example (`bow` vs `bow_unigram`):

- docs/terminal.png: the terminal during training, captured from a tmux pane (a real pseudo-terminal,
  120x30) while the second model's second epoch runs, rendered with its colours in headless Chromium;
- docs/report.png: the whole report.html of that run, rendered in headless Chromium at its full height.

    python scripts/screenshots.py <runner> <plugin.so> <scratch-folder>

`scripts/screenshots.sh` builds the binaries and calls this. The run's experiment goes under the
scratch folder, never into the repository's experiments.
"""

import html
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = os.path.join(REPO, "example-plugins/news20/settings.ini")
COLOURS = {30: "#1e1e1e", 31: "#e06c75", 32: "#98c379", 33: "#e5c07b", 34: "#61afef", 35: "#c678dd", 36: "#56b6c2", 37: "#dcdfe4"}


def tmux(*args):
    return subprocess.run(["tmux", "-L", "mlpipe-shots", *args], check=True, capture_output=True, text=True).stdout


def ansi_to_html(text):
    """SGR colour and weight codes of a `tmux capture-pane -e` dump to spans; everything else escaped."""
    out, style = [], {}
    for part in re.split(r"(\x1b\[[0-9;]*m)", text):
        if not part.startswith("\x1b["):
            css = ";".join(f"{k}:{v}" for k, v in style.items())
            out.append(f'<span style="{css}">{html.escape(part)}</span>' if css else html.escape(part))
            continue
        codes = [int(c) for c in part[2:-1].split(";") if c] or [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                style = {}
            elif code == 1:
                style["font-weight"] = "bold"
            elif code == 2:
                style["opacity"] = "0.7"
            elif code in (22, 39):
                style.pop("font-weight" if code == 22 else "color", None)
            elif code in COLOURS or code - 60 in COLOURS:
                style["color"] = COLOURS.get(code, COLOURS.get(code - 60))
            elif code == 38 and codes[i + 1 : i + 2] == [5]:
                i += 2
            i += 1
    return "".join(out)


def chromium(page, mode, width, height):
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-background-networking", f"--user-data-dir={profile}", f"--window-size={width},{height}",
             "--virtual-time-budget=3000", mode, f"file://{page}"],
            capture_output=True, text=True, check=True)
    return result.stdout


def page_height(page, width):
    """The rendered height of `page` at `width`: a copy that writes its scroll height into the DOM."""
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as probe:
        probe.write(open(page, encoding="utf-8").read().replace(
            "</body>", "<script>document.body.dataset.h=document.documentElement.scrollHeight</script></body>"))
    dom = chromium(probe.name, "--dump-dom", width, 1000)
    os.unlink(probe.name)
    return int(re.search(r'data-h="(\d+)"', dom).group(1))


def main(runner, plugin, scratch):
    root = os.path.join(scratch, "experiments")
    command = " ".join(shlex.quote(a) for a in
                       [runner, "--plugin", plugin, SETTINGS, "--set", f"experiment.root={root}"])
    subprocess.run(f"{command} reconcile && {command} prepare", shell=True, check=True)
    subprocess.run(["tmux", "-L", "mlpipe-shots", "kill-server"], capture_output=True)
    tmux("new-session", "-d", "-x", "120", "-y", "30", "-s", "shots",
         f"{command} train infer; echo; echo '[done]'; sleep 600")
    screen = None
    while True:
        time.sleep(2)
        pane = tmux("capture-pane", "-p", "-e", "-t", "shots")
        if screen is None and "bow_unigram epoch 2/3" in pane:
            time.sleep(3)
            screen = tmux("capture-pane", "-p", "-e", "-t", "shots")
        if "[done]" in pane:
            break
    tmux("kill-server")
    docs = os.path.join(REPO, "docs")
    terminal = os.path.join(scratch, "terminal.html")
    with open(terminal, "w", encoding="utf-8") as f:
        f.write('<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#1e1e1e">'
                '<pre style="margin:0;padding:12px;color:#dcdfe4;font:13px/1.35 \'DejaVu Sans Mono\',monospace">'
                f"{ansi_to_html(screen)}</pre></body></html>")
    # The whole 30-row pane (Chromium paints nothing into windows much lower than 200 pixels).
    chromium(terminal, f"--screenshot={docs}/terminal.png", 1000, 24 + 18 * 30)
    runs = os.path.join(root, "EXP-0001-news20", "runs")
    report = os.path.join(runs, max(os.listdir(runs), key=int), "inference", "report.html")
    chromium(report, f"--screenshot={docs}/report.png", 1300, page_height(report, 1300))
    print(f"docs/terminal.png and docs/report.png from {report}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
