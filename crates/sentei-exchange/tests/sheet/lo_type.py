#!/usr/bin/python3
"""Enters text into check sheets in a running LibreOffice and saves them as .xlsx.

Run by tests/sheet/uno.rs with Debian's /usr/bin/python3 (package python3-uno), against a
LibreOffice the test started with --accept="pipe,name=PIPE;urp;":

    /usr/bin/python3 lo_type.py PIPE < jobs.json

jobs.json is a list of {"input": PATH, "output": PATH, "sheet": NAME,
"cells": [{"cell": "F12", "text": TEXT, "force": false}, ...]}. Each input is opened (hidden);
each cell is addressed by name and its text entered through LibreOffice's cell API
(XText.setString), as the cell's content. A cell LibreOffice reports as locked on a protected
sheet is left alone, as LibreOffice refuses typing there, unless "force" is true: the API
does not enforce protection, so a forced entry stands for a sheet changed by other means. The
document is then stored with the filter "Calc MS Excel 2007 XML".

(Typing through the view, .uno:GoToCell and .uno:EnterString, is not used: with Debian's
libreoffice-calc-nogui, Calc's UI definition files are not installed, and LibreOffice 7.4
aborts about a second after any such dispatch, when it builds the formula bar and does not
find modules/scalc/ui/posbox.ui.)

Prints JSON on standard output: for each job, each cell with the text asked for, whether
LibreOffice reports it locked, and the text it holds afterwards. Exits 2 when LibreOffice
cannot be reached, 1 on any other error.
"""

import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

CONNECT_SECONDS = 60


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(
                "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe
            )
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def enter(ctx, job):
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    url = uno.systemPathToFileUrl(job["input"])
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        raise RuntimeError("LibreOffice could not open %s" % job["input"])
    try:
        sheet = doc.Sheets.getByName(job["sheet"])
        protected = sheet.isProtected()
        done = []
        for asked in job["cells"]:
            cell = sheet.getCellRangeByName(asked["cell"])
            locked = protected and cell.CellProtection.IsLocked
            if not locked or asked.get("force", False):
                cell.setString(asked["text"])
            done.append(
                {
                    "cell": asked["cell"],
                    "text": asked["text"],
                    "locked": locked,
                    "now": cell.getString(),
                }
            )
        doc.storeToURL(
            uno.systemPathToFileUrl(job["output"]),
            (prop("FilterName", "Calc MS Excel 2007 XML"), prop("Overwrite", True)),
        )
        return {"output": job["output"], "cells": done}
    finally:
        doc.close(True)


def main():
    if len(sys.argv) != 2:
        print("usage: lo_type.py PIPE < jobs.json", file=sys.stderr)
        return 1
    jobs = json.load(sys.stdin)
    try:
        ctx = connect(sys.argv[1])
    except NoConnectException as e:
        print("LibreOffice is not reachable on pipe %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 2
    results = [enter(ctx, job) for job in jobs]
    json.dump(results, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
