#!/usr/bin/env python3
"""Hostile uploads against a running sentei (issue 12, finding 4): N clients upload hostile
workbooks to the ledger import as fast as they can while one client asks for /login one request
after another; prints the /login latencies and the server's memory (VmRSS before, VmHWM after).

    hostile_uploads.py BASE_URL TOKEN SERVER_PID [--clients 8] [--seconds 20] [--kind issue|bounds]

Kinds of workbook:
  issue   the outside test's: about 95 MB of shared strings in a few megabytes of zip, under
          the ratio check (refused by the shared-string bound before calamine reads it);
  bounds  the most the bounds let through: 16 MB of shared strings (400,000 of them) and a
          sheet of 400,000 cells, all read.
"""
import argparse
import http.client
import io
import statistics
import threading
import time
import urllib.parse
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="台帳" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def column(n):
    name = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


def workbook(kind):
    if kind == "issue":
        count, repeats, rows, cols = 1_200_000, 10, 1, 1
    else:
        count, repeats, rows, cols = 399_000, 3, 19_950, 20
    strings = io.StringIO()
    strings.write(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{count}" uniqueCount="{count}">'
    )
    for n in range(count):
        strings.write(f"<si><t>{(f'{n:07d}') * repeats}</t></si>")
    strings.write("</sst>")
    sheet = io.StringIO()
    sheet.write(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    n = 0
    for r in range(rows):
        sheet.write(f'<row r="{r + 1}">')
        for c in range(cols):
            sheet.write(f'<c r="{column(c)}{r + 1}" t="s"><v>{n % count}</v></c>')
            n += 1
        sheet.write("</row>")
    sheet.write("</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet.getvalue())
        z.writestr("xl/sharedStrings.xml", strings.getvalue())
    return out.getvalue(), len(strings.getvalue().encode())


def memory(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("token")
    parser.add_argument("pid", type=int)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--kind", choices=["issue", "bounds"], default="issue")
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.base)
    body, inflated = workbook(args.kind)
    print(
        f"== {args.kind}: {len(body) / 2**20:.1f} MB workbook, shared strings {inflated / 2**20:.1f} MB inflated; "
        f"{args.clients} uploaders for {args.seconds:.0f} s"
    )
    rss_before = memory(args.pid, "VmRSS")
    started = time.monotonic()
    deadline = started + args.seconds
    statuses, uploads = {}, [0]
    lock = threading.Lock()

    def upload():
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
            conn.request(
                "POST",
                "/api/v1/ledger/import?dry_run=true&file=hostile.xlsx",
                body=body,
                headers={
                    "Authorization": f"Bearer {args.token}",
                    "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                },
            )
            response = conn.getresponse()
            response.read()
            conn.close()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
                uploads[0] += 1

    latencies = []
    uploaders = [threading.Thread(target=upload) for _ in range(args.clients)]

    # Asked until the last upload is answered: the uploads queued for their turn count too.
    def sign_in_page():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        while time.monotonic() < deadline or any(t.is_alive() for t in uploaders):
            started = time.perf_counter()
            conn.request("GET", "/login")
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"/login answered {response.status}")
            time.sleep(0.01)
        conn.close()

    threads = uploaders + [threading.Thread(target=sign_in_page)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"uploads answered: {uploads[0]} in {time.monotonic() - started:.0f} s ({statuses})")
    print(
        f"/login: {len(latencies)} requests, p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, "
        f"max {latencies[-1]:.1f} ms (mean {statistics.mean(latencies):.1f})"
    )
    print(f"server memory: VmRSS before {rss_before} MB, peak (VmHWM) {memory(args.pid, 'VmHWM')} MB")


if __name__ == "__main__":
    main()
