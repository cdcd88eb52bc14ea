#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest split: the original comes out byte for byte, the envelope is read.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
mk="python3 $(dirname "$0")/mkreport.py"

# An original with 8-bit bytes, a bare CR, a lone LF among CRLF, a line that
# starts like the boundary, and no final newline.
printf 'From: a@example.com\r\nTo: b@example.com\r\nSubject: caf\351\r\n' >"$T/orig"
printf 'Message-ID: <odd@example.com>\r\n\r\nline one\rstill one\n' >>"$T/orig"
printf -- '--_b1f3c2a9-0000 is not the boundary\r\n\377\376binary\000nul\r\nend' >>"$T/orig"

for nl in crlf lf; do
	flag=; [ $nl = lf ] && flag=--lf
	$mk "$T/orig" "$T/r-$nl" $flag \
	    --envelope 'Sender: a@example.com' \
	    --envelope 'Subject: To: x@y.example, Expanded: z@w.example' \
	    --envelope 'Message-Id: <odd@example.com>' \
	    --envelope 'To: b@example.com' \
	    --envelope 'cc: c@example.com, Expanded: list@example.com' \
	    --envelope 'BCC: d@example.com' \
	    --envelope 'Recipient: e@example.com, Forwarded: b@example.com' \
	    --envelope 'Label: keep-me'
	jh split --original "$T/r-$nl"
	is "$rc" 0 "$nl: split --original exits 0"
	cmp -s "$T/out" "$T/orig"
	ok $? "$nl: split --original reproduces the original byte for byte"
	jh split --json "$T/r-$nl"
	is "$rc" 0 "$nl: split --json exits 0"
	is "$(jsonq 'o["kind"]' <"$T/out")" exchange "$nl: kind exchange"
	is "$(jsonq '[(r["address"], r["field"], r["expanded"], r["forwarded"]) for r in o["recipients"]]' <"$T/out")" \
	    "[('b@example.com', 'to', None, None), ('c@example.com', 'cc', 'list@example.com', None), ('d@example.com', 'bcc', None, None), ('e@example.com', 'recipient', None, 'b@example.com')]" \
	    "$nl: recipients, fields, Expanded and Forwarded; none from the subject"
	is "$(jsonq 'o["subject"]' <"$T/out")" \
	    "To: x@y.example, Expanded: z@w.example" "$nl: subject kept whole"
	is "$(jsonq 'o["original"]["size"]' <"$T/out")" "$(wc -c <"$T/orig" | tr -d ' ')" \
	    "$nl: original size"
	is "$(jsonq 'o["original"]["sha256"]' <"$T/out")" \
	    "$(sha256sum <"$T/orig" | cut -d' ' -f1)" "$nl: original sha256"
done

# Quoted-printable report part in iso-8859-1.
$mk "$T/orig" "$T/r-qp" --qp --envelope 'Sender: a@example.com' \
    --envelope "$(printf 'Subject: caf\351 cr\350me')" \
    --envelope 'Message-Id: <odd@example.com>' --envelope 'To: b@example.com'
jh split --json "$T/r-qp"
is "$(jsonq 'o["subject"]' <"$T/out")" "café crème" "qp iso-8859-1 subject decoded"
jh split --original "$T/r-qp"
cmp -s "$T/out" "$T/orig"
ok $? "qp report: original byte for byte"

# Wrapped in an NDR, inner report without X-MS-Journal-Report.
$mk "$T/orig" "$T/r-ndr" --ndr --no-report-header --envelope 'Sender: a@example.com' \
    --envelope 'Subject: x' --envelope 'Message-Id: <odd@example.com>' \
    --envelope 'Recipient: b@example.com'
jh split --json "$T/r-ndr"
is "$(jsonq 'o["kind"]' <"$T/out")" exchange-ndr "NDR-wrapped report recognised"
jh split --original "$T/r-ndr"
cmp -s "$T/out" "$T/orig"
ok $? "NDR-wrapped report: original byte for byte"

# Not a report: the whole input is the original.
jh split --json "$T/orig"
is "$(jsonq 'o["kind"]' <"$T/out")" plain "a plain message is kind plain"
jh split --original "$T/orig"
cmp -s "$T/out" "$T/orig"
ok $? "plain message: original is the whole input"

# stdin, usage errors.
"$JHARVEST" split --original - <"$T/r-crlf" >"$T/out" 2>"$T/err"
cmp -s "$T/out" "$T/orig"
ok $? "split reads standard input"
jh split --json --original "$T/r-crlf"
is "$rc" 64 "--json with --original is a usage error (64)"
jh split "$T/does-not-exist"
is "$rc" 65 "a missing file exits 65"
grep -q "does-not-exist" "$T/err"
ok $? "the error names the file"
finish
