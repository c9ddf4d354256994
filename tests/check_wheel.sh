#!/usr/bin/env bash
# What IT staff get: build the wheel, install it (not editable) into a throw-away venv, run the commands
# from an empty folder. Called by `make test` (target wheel-check).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON3:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m pip wheel -q --no-deps -w "$work/dist" "$root" 2>&1 | grep -v "^WARNING: Location" || true
wheel=$(ls "$work"/dist/xxgk-*.whl)
listing=$(unzip -l "$wheel")  # once: `unzip | grep -q` fails under pipefail when grep stops reading early
grep -q "xxgk/_data/templates/gb2021.yaml" <<<"$listing" || { echo "wheel lacks the form specs"; exit 1; }
grep -q "xxgk/_data/addin/xxgk.xlam" <<<"$listing" || { echo "wheel lacks the add-in"; exit 1; }
grep -q "xxgk/_data/templates/ext/zj.yaml" <<<"$listing" || { echo "wheel lacks the provincial extensions"; exit 1; }
grep -q "xxgk/_data/templates/report_check.yaml" <<<"$listing" || { echo "wheel lacks the report check rules"; exit 1; }
for part in ribbon.xml index.html help.html js/xxgk-payload.js js/xxgk-actions.js js/config.js images/validate.svg; do
  grep -q "xxgk/_data/addin/wps/$part" <<<"$listing" || { echo "wheel lacks the WPS add-in's $part"; exit 1; }
done
if grep -q "addin/wps/test\|node_modules" <<<"$listing"; then echo "wheel ships the WPS add-in's tests"; exit 1; fi
for part in xxgk/web/migrations/versions/0001_initial_schema.py xxgk/web/templates/base.html xxgk/web/static/style.css \
            xxgk/web/templates/consolidating.html xxgk/web/templates/wps_publish.html xxgk/web/static/wps-publish.js xxgk/web/static/apidocs/swagger-ui-bundle.js xxgk/web/static/apidocs/LICENSE; do
  grep -q "$part" <<<"$listing" || { echo "wheel lacks the portal's $part"; exit 1; }
done
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel[import]" 2>&1 | grep -v "^WARNING: Location" || true   # xxgk import / report
mkdir "$work/empty" && cd "$work/empty"
xxgk="$work/venv/bin/xxgk"
"$xxgk" --version
"$xxgk" template --form gb2021 -o 模板2021.xlsx
"$xxgk" template --form gb2019 -o 模板2019.xlsx
"$xxgk" template --form gb2019 --ext zj -o 模板2019浙江.xlsx
"$xxgk" --version | grep -q "gb2019+zj" || { echo "--version does not list the extensions"; exit 1; }
# xxgk addin doctor tells IT staff to reinstall from this file name
[ "$(basename "$wheel")" = "xxgk-$("$xxgk" --version | head -1 | cut -d' ' -f2)-py3-none-any.whl" ] || { echo "unexpected wheel name"; exit 1; }
"$xxgk" validate 模板2021.xlsx 模板2019.xlsx 模板2019浙江.xlsx > /dev/null || [ $? -eq 1 ]   # blank templates: cover errors, exit 1
"$xxgk" validate 模板2021.xlsx --annotate 标记副本.xlsx > /dev/null 2>&1 || [ $? -eq 1 ]
[ -f 标记副本.xlsx ] || { echo "--annotate wrote no copy"; exit 1; }
set +e; out=$("$xxgk" addin doctor 2>&1); code=$?; set -e   # Linux: the Chinese refusal, exit 1
if [ $code -ne 1 ] || ! grep -q "WPS" <<<"$out" || grep -q Traceback <<<"$out"; then echo "xxgk addin doctor: exit $code"; echo "$out"; exit 1; fi
# the WPS add-in's offline package from the installed wheel, and the doctor reading it as a jsaddons folder
"$xxgk" addin wps-package -o WPS离线包 --server https://xxgk.example.gov.cn > /dev/null
[ -f WPS离线包/xxgk_1.0.0/ribbon.xml ] && [ -f WPS离线包/publish.xml ] && [ -f WPS离线包/安装说明.txt ] || { echo "wps-package: files missing"; exit 1; }
"$xxgk" addin doctor --wps --jsaddons WPS离线包 | grep -q "离线加载项" || { echo "addin doctor --wps did not read the package"; exit 1; }
mkdir 收件箱 && cp 模板2021.xlsx 收件箱/
"$xxgk" consolidate 收件箱 -o 汇总.xlsx --include-invalid --year 2025 --form gb2021 > /dev/null
"$xxgk" validate 汇总.xlsx --json > /dev/null || [ $? -eq 1 ]
# a published report (text) → its workbook → the publishable report; a second import keeps the workbook
cp "$root/tests/fixtures/real/009_huaian_city_2024.txt" 淮安2024.txt
"$xxgk" import 淮安2024.txt -o 导入 > /dev/null
[ -s 导入/淮安2024.xlsx ] || { echo "xxgk import wrote no workbook"; exit 1; }
"$xxgk" validate 导入/淮安2024.xlsx > /dev/null
"$xxgk" report 导入/淮安2024.xlsx -o 年度报告.docx > /dev/null
unzip -p 年度报告.docx word/document.xml | grep -q "3119" || { echo "xxgk report: no 3119 in the Word report"; exit 1; }
"$xxgk" check-report 淮安2024.txt -o 体检.xlsx > /dev/null   # a clean published report: exit 0
[ -s 体检.xlsx ] || { echo "xxgk check-report wrote no table"; exit 1; }
set +e; out=$("$xxgk" import 淮安2024.txt -o 导入 2>&1); code=$?; set -e
if [ $code -ne 2 ] || ! grep -q "已存在" <<<"$out"; then echo "xxgk import replaced a workbook: exit $code"; echo "$out"; exit 1; fi
# user errors end in a Chinese message and exit 2, never a traceback
for args in "template --form gb1999 -o x.xlsx" "template -o /proc/x/y.xlsx" "validate 不存在.xlsx" "frob" "addin install" \
            "addin install --dry-run" "validate 模板2021.xlsx --annotate 模板2021.xlsx" "template -o 模板.csv" \
            "import 不存在.txt -o 导入2" "report 不存在.xlsx -o x.docx" \
            "check-report 不存在.txt" "check-report 淮安2024.txt -o 体检.csv"; do
  set +e; out=$("$xxgk" $args 2>&1); code=$?; set -e
  if [ $code -ne 2 ] || grep -q Traceback <<<"$out"; then echo "xxgk $args: exit $code"; echo "$out"; exit 1; fi
done
echo "wheel check passed: $(basename "$wheel")"
