#!/bin/sh
# Render a textmine workbook to PDF (LibreOffice headless) and to PNG pages (pdftoppm),
# to look at the report the way a reader of the forwarded file sees it.
#
#   scripts/render_report.sh report.xlsx [OUTDIR] [DPI]
#   -> OUTDIR/report.pdf and OUTDIR/report-1.png, report-2.png, ...
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 WORKBOOK.xlsx [OUTDIR] [DPI]" >&2
    exit 2
fi
workbook=$1
outdir=${2:-$(dirname "$workbook")/render}
dpi=${3:-80}
office=$(command -v soffice || command -v libreoffice || true)
if [ -z "$office" ] || ! command -v pdftoppm >/dev/null; then
    echo "$0: needs LibreOffice (soffice) and poppler-utils (pdftoppm)" >&2
    exit 1
fi
[ -f "$workbook" ] || { echo "$0: no such file: $workbook" >&2; exit 1; }

mkdir -p "$outdir"
name=$(basename "$workbook")
name=${name%.*}
# A private profile: a first run creates it, and a running LibreOffice cannot block the conversion.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$office" -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$outdir" "$workbook" >/dev/null
pdftoppm -r "$dpi" -png "$outdir/$name.pdf" "$outdir/$name"
ls "$outdir/$name".pdf "$outdir/$name"-*.png
