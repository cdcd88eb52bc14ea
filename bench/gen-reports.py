#!/usr/bin/env python3
"""Write N synthetic Exchange Online journal reports into a Maildir.

Deterministic: the same --seed and --count give byte-identical files.
Python 3.9+ standard library only.

Each file is an envelope journal report as Exchange Online sends it
(research/journal-formats.md 1.2-1.4): top-level From/To/Cc/Subject copied
from the original, Sender MicrosoftExchange329e71ec...@<tenant>, an empty
X-MS-Journal-Report header, part 1 the text/plain envelope (Sender, Subject,
Message-Id, one recipient per line), part 2 the original as message/rfc822.
About 5% of the reports are Exchange "forks": a later report carrying a
byte-identical original with a different (disjoint) recipient set.

Usage: gen-reports.py [--count N] [--seed S] DEST
"""

import argparse
import base64
import bisect
import os
import quopri
import random
import sys
import textwrap
import uuid
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime

CRLF = "\r\n"
TENANT = "contoso.onmicrosoft.com"
ORG_DOMAINS = ["contoso.com", "contoso.co.uk", "contoso-labs.com"]
EXCHANGE_SENDER = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@" + TENANT
JOURNAL_NDR = "journal.ndr@" + TENANT
JOURNAL_MAILBOX = "journal@archive.contoso.net"
YEAR_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
YEAR_SECONDS = 365 * 86400

# Size classes of the whole report file: (weight, low bytes, high bytes).
# These are targets; heavy headers push a few % of 5-50 KB reports past 50 KB.
# The brief's ranges; the tail weights are scaled down so that 20000 reports
# total about 1 GB (mean ~50 KB) instead of ~2.2 GB with 85/10/4/1.
SIZE_CLASSES = [
    (0.0030, 1_700, 2_400),          # tiny notifications, ~2 KB
    (0.9300, 5_000, 50_000),         # ordinary mail
    (0.0500, 50_000, 500_000),       # mail with an attachment or two
    (0.0150, 500_000, 2_000_000),    # large attachments
    (0.0020, 2_000_000, 5_000_000),  # very large attachments
]
# Forks: an original with two or more envelope recipients is split into two
# reports with this probability; about half of the originals qualify, so
# about 5% of all reports are forks.
FORK_PICK = 0.095

FIRST = ("James Mary John Patricia Robert Jennifer Michael Linda William "
         "Elizabeth David Barbara Richard Susan Joseph Jessica Thomas Sarah "
         "Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Sandra "
         "Paul Ashley Steven Kimberly Andrew Emily Joshua Donna Kevin Michelle "
         "Brian Carol George Amanda Timothy Melissa Ronald Deborah Jason "
         "Stephanie Edward Rebecca Jeffrey Sharon Ryan Laura Jacob Cynthia "
         "Gary Kathleen Nicholas Amy Eric Angela Jonathan Shirley Stephen Anna "
         "Larry Brenda Justin Pamela Scott Emma Brandon Nicole Benjamin Helen "
         "Samuel Samantha Raymond Katherine Gregory Christine Frank Debra "
         "Alexander Rachel Patrick Carolyn Jack Janet Dennis Maria Jerry "
         "Heather Priya Wei Yuki Ahmed Olga Sven Ines Mateo Chiara Lars").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez "
        "Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore "
        "Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez "
        "Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
        "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
        "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins "
        "Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz "
        "Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
        "Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz "
        "Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster "
        "Schmidt Mueller Rossi Dubois Tanaka Kowalski Larsen Novak Silva").split()
WORDS = ("the of and to in is for that on with as be this are by it from at "
         "we will please have our you your can all not an or has was which "
         "team project meeting report update review budget quarter customer "
         "contract invoice order payment schedule deadline proposal client "
         "delivery service support request approval forecast revenue sales "
         "marketing product release plan strategy analysis data results "
         "agreement vendor supplier account statement draft final version "
         "attached document spreadsheet presentation slides summary notes "
         "action items follow next week monday tuesday wednesday thursday "
         "friday today tomorrow morning afternoon call conference room office "
         "travel expense policy compliance audit risk legal finance hr "
         "security access system server network migration outage incident "
         "ticket change window maintenance deployment testing production "
         "regards thanks thank best kind let know if any questions confirm "
         "discussed agreed pending needed required should would could also "
         "however therefore regarding attached below above per further "
         "shipment warehouse inventory pricing discount terms conditions "
         "renewal license subscription training onboarding candidate "
         "interview offer position headcount resource allocation timeline "
         "milestone dependency scope requirement specification design "
         "feedback comments changes revision status progress completed "
         "started delayed blocked escalation priority urgent important").split()
SUBJECT_STEMS = [
    "Q{q} budget review", "Invoice {n}", "PO {n} confirmation",
    "Meeting notes - {topic}", "{topic} status update", "Weekly report {topic}",
    "Contract renewal {org}", "Action items from {topic} call",
    "Draft proposal for {org}", "Shipment {n} delayed", "{topic} timeline",
    "Access request for {topic}", "Change window {n}", "Offer letter",
    "Expense report {n}", "Travel plans {topic}", "Customer escalation {n}",
    "Quarterly forecast", "Re-org announcement", "Audit findings {topic}",
]
UTF8_SUBJECTS = ["Réunion budgétaire Q{q}", "Angebot für {org} – Überarbeitung",
                 "見積書の件 {n}", "Отчёт за квартал {q}", "Café meeting 😀 {topic}"]
TOPICS = ("Atlas Borealis Cobalt Delta Everest Falcon Granite Helios Ion "
          "Juniper Kestrel Lumen Meridian Nimbus Orion Polaris Quartz Redwood "
          "Sierra Titan").split()
ATTACH_TYPES = [  # content type, extension, magic prefix
    ("application/pdf", "pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "docx", b"PK\x03\x04\x14\x00\x06\x00"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "xlsx", b"PK\x03\x04\x14\x00\x06\x00"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    ("application/zip", "zip", b"PK\x03\x04\x0a\x00\x00\x00"),
]
HTML_HEAD = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="urn:schemas-microsoft-com:office:word" '
    'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
    'xmlns="http://www.w3.org/TR/REC-html40">\r\n<head>\r\n'
    '<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">\r\n'
    '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\r\n'
    '<style><!--\r\n/* Font Definitions */\r\n@font-face\r\n'
    '\t{font-family:"Cambria Math";\r\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\r\n'
    '@font-face\r\n\t{font-family:Calibri;\r\n\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\r\n'
    '/* Style Definitions */\r\np.MsoNormal, li.MsoNormal, div.MsoNormal\r\n'
    '\t{margin:0in;\r\n\tfont-size:11.0pt;\r\n\tfont-family:"Calibri",sans-serif;}\r\n'
    'span.EmailStyle17\r\n\t{mso-style-type:personal-compose;\r\n'
    '\tfont-family:"Calibri",sans-serif;\r\n\tcolor:windowtext;}\r\n'
    '.MsoChpDefault\r\n\t{mso-style-type:export-only;\r\n'
    '\tfont-family:"Calibri",sans-serif;}\r\n'
    '@page WordSection1\r\n\t{size:8.5in 11.0in;\r\n\tmargin:1.0in 1.0in 1.0in 1.0in;}\r\n'
    'div.WordSection1\r\n\t{page:WordSection1;}\r\n--></style>\r\n'
    '</head>\r\n<body lang="EN-US" link="#0563C1" vlink="#954F72" '
    'style="word-wrap:break-word">\r\n<div class="WordSection1">\r\n')
HTML_TAIL = "</div>\r\n</body>\r\n</html>\r\n"


class World:
    """Shared, seeded pools: people, domains, distribution lists, paragraphs."""

    def __init__(self, seed):
        rng = random.Random(f"world:{seed}")
        self.internal = self._people(rng, 900, ORG_DOMAINS, [0.8, 0.15, 0.05])
        syll = "ka lo mi ne ra tu vex bri cor dan el fin gal hov ix jun tek zor".split()
        tlds = ["com", "net", "org", "de", "co.uk", "fr", "io", "com.au", "nl"]
        self.ext_domains = sorted({
            "".join(rng.choice(syll) for _ in range(rng.randint(2, 3)))
            + rng.choice(["", "-group", "corp", "-inc", "tech"]) + "." + rng.choice(tlds)
            for _ in range(400)})
        self.external = self._people(rng, 3000, self.ext_domains, None)
        self.dls = []
        for name in ["all-staff", "sales", "finance", "engineering", "legal",
                     "hr", "it-ops", "marketing", "exec", "support", "emea",
                     "apac", "na-sales", "procurement", "facilities",
                     "project-atlas", "project-orion", "board", "security",
                     "partners"]:
            members = rng.sample(self.internal, rng.randint(3, 25))
            self.dls.append((f"{name}@contoso.com", members))
        # Zipf-weighted vocabulary: common real words plus synthetic terms.
        vocab = list(WORDS)
        while len(vocab) < 6000:
            vocab.append("".join(rng.choice(syll) for _ in range(rng.randint(2, 4))))
        cum, total = [], 0.0
        for rank in range(len(vocab)):
            total += 1.0 / (rank + 1)
            cum.append(total)
        self.paras_txt, self.paras_html = [], []
        for _ in range(3000):
            words = rng.choices(vocab, cum_weights=cum, k=rng.randint(25, 140))
            sentence_text = " ".join(words)
            sentence_text = sentence_text[0].upper() + sentence_text[1:] + "."
            lines = textwrap.wrap(sentence_text, 76)
            self.paras_txt.append(CRLF.join(lines) + CRLF + CRLF)
            self.paras_html.append('<p class="MsoNormal">' + CRLF.join(lines)
                                   + "<o:p></o:p></p>" + CRLF
                                   + '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>' + CRLF)

    @staticmethod
    def _people(rng, n, domains, weights):
        people, seen = [], set()
        while len(people) < n:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            dom = rng.choices(domains, weights)[0] if weights else rng.choice(domains)
            local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{last[0]}",
                                f"{first}.{last}{rng.randint(1, 99)}"]).lower()
            addr = f"{local}@{dom}"
            if addr not in seen:
                seen.add(addr)
                people.append((f"{first} {last}", addr))
        return people


def guid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def b64(rng, n):
    return base64.b64encode(rng.randbytes(n)).decode()


def fold_list(name, items):
    """name: a, b, c folded at ~78 columns with CRLF + space."""
    out, line = [], name + ":"
    for i, item in enumerate(items):
        piece = " " + item + ("," if i < len(items) - 1 else "")
        if len(line) + len(piece) > 78 and line != name + ":":
            out.append(line)
            line = piece
        else:
            line += piece
    out.append(line)
    return CRLF.join(out) + CRLF


def mailbox(person):
    name, addr = person
    return f"{name} <{addr}>" if name else f"<{addr}>"


def server(rng):
    region = rng.choice(["DM6PR", "BN8PR", "CH2PR", "SN6PR", "AM0PR", "DB9PR", "PH0PR"])
    return f"{region}{rng.randint(10, 22)}MB{rng.randint(1000, 9999)}"


def rfc_date(dt):
    return format_datetime(dt)


def org_time(dt):
    return dt.astimezone(timezone.utc).strftime("%d %b %Y %H:%M:%S.") + f"{dt.microsecond // 100:04d}"


def encode_subject(subject):
    try:
        subject.encode("ascii")
        return subject
    except UnicodeEncodeError:
        return Header(subject, "utf-8").encode(linesep=CRLF)


def pick_size(rng):
    r, acc = rng.random(), 0.0
    for weight, lo, hi in SIZE_CLASSES:
        acc += weight
        if r < acc:
            break
    if lo == 5_000:  # ordinary mail: median ~15 KB, long tail to 50 KB
        return int(min(hi, max(lo, rng.lognormvariate(9.6, 0.6))))
    return int(lo * (hi / lo) ** rng.random())  # log-uniform inside the class


class Original:
    """One journaled message; fully determined by (seed, idx)."""

    def __init__(self, world, seed, idx, when):
        rng = random.Random(f"orig:{seed}:{idx}")
        self.target = pick_size(rng)
        self.tiny = self.target < 3_000
        self.inbound = rng.random() < 0.55
        w = world
        self.sender = rng.choice(w.external if self.inbound else w.internal)
        # Addressed recipients, and the envelope list Exchange would journal.
        nrcpt = rng.choices([1, rng.randint(2, 5), rng.randint(6, 20)], [0.5, 0.38, 0.12])[0]
        if self.tiny:
            nrcpt = 1
        pool = w.internal if self.inbound else (w.internal + w.external)
        addressed = rng.sample(pool, nrcpt)
        ncc = rng.randint(0, nrcpt // 2) if nrcpt > 1 else 0
        self.to, self.cc = addressed[:nrcpt - ncc], addressed[nrcpt - ncc:]
        env = []  # (field, address, expanded)
        field_to = "Recipient" if self.inbound else "To"
        field_cc = "Recipient" if self.inbound else "Cc"
        for p in self.to:
            env.append((field_to, p[1], None))
        for p in self.cc:
            env.append((field_cc, p[1], None))
        if not self.tiny and rng.random() < 0.10:  # a distribution list on To
            dl, members = rng.choice(w.dls)
            self.to.append(("", dl))
            direct = {e[1] for e in env}
            for p in members:
                if p[1] not in direct:
                    env.append((field_to, p[1], dl))
        if not self.inbound and not self.tiny and rng.random() < 0.1:
            for p in rng.sample(w.internal, rng.randint(1, 3)):
                env.append(("Bcc", p[1], None))
        order = {"To": 0, "Cc": 1, "Bcc": 2, "Recipient": 3}
        self.envelope = sorted(env, key=lambda e: order[e[0]])

        self.date = when.astimezone(timezone(timedelta(hours=rng.choice([-8, -5, 0, 1, 2, 5.5, 9]))))
        self.msgid = (f"<{server(rng)}{rng.getrandbits(64):016X}@{server(rng)}.namprd{rng.randint(1, 22)}.prod.outlook.com>"
                      if not self.inbound else
                      f"<{rng.getrandbits(64)}.{rng.getrandbits(48):012X}@{self.sender[1].split('@')[1]}>")
        fmt = {"q": rng.randint(1, 4), "n": rng.randint(10000, 99999),
               "topic": rng.choice(TOPICS), "org": rng.choice(w.ext_domains).split(".")[0].title()}
        stems = UTF8_SUBJECTS if rng.random() < 0.03 else SUBJECT_STEMS
        self.subject = rng.choice(stems).format(**fmt)
        self.reply = rng.random() < 0.4 and not self.tiny
        if self.reply:
            self.subject = rng.choice(["RE: ", "Re: ", "FW: ", "RE: RE: "]) + self.subject
        self.raw = self._render(rng, w).encode("utf-8")

    # -- rendering ---------------------------------------------------------
    def _received(self, rng):
        t = self.date.astimezone(timezone.utc)
        hops, srv = [], server(rng)
        for i in range(rng.randint(1, 3)):
            nxt = server(rng)
            hops.append(
                f"Received: from {nxt}.namprd{rng.randint(1, 22)}.prod.outlook.com{CRLF}"
                f" (2603:10b6:{rng.getrandbits(16):x}::{rng.randint(10, 99)}) by {srv}.namprd{rng.randint(1, 22)}.prod.outlook.com{CRLF}"
                f" (2603:10b6:{rng.getrandbits(16):x}::{rng.randint(10, 99)}) with Microsoft SMTP Server (version=TLS1_2,{CRLF}"
                f" cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.{rng.randint(7000, 8999)}.{rng.randint(10, 40)}; {rfc_date(t + timedelta(seconds=3 - i))}{CRLF}")
            srv = nxt
        if self.inbound:
            ip = f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            dom = self.sender[1].split("@")[1]
            hops.append(
                f"Authentication-Results: spf=pass (sender IP is {ip}){CRLF}"
                f" smtp.mailfrom={dom}; dkim=pass (signature was verified){CRLF}"
                f" header.d={dom};dmarc=pass action=none header.from={dom};compauth=pass{CRLF}"
                f" reason=100{CRLF}"
                f"Received-SPF: Pass (protection.outlook.com: domain of {dom} designates{CRLF}"
                f" {ip} as permitted sender) receiver=protection.outlook.com;{CRLF}"
                f" client-ip={ip}; helo=mail.{dom}; pr=C{CRLF}"
                f"Received: from mail.{dom} ({ip}) by{CRLF}"
                f" {server(rng)}.mail.protection.outlook.com (10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}) with Microsoft SMTP{CRLF}"
                f" Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.{rng.randint(7000, 8999)}.{rng.randint(10, 40)} via Frontend{CRLF}"
                f" Transport; {rfc_date(t)}{CRLF}")
            for _ in range(rng.randint(0, 2)):
                hops.append(f"Received: from [10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}] (unknown [{ip}]){CRLF}"
                            f"\tby mail.{dom} (Postfix) with ESMTPSA id {rng.getrandbits(40):010X}{CRLF}"
                            f"\tfor <{self.to[0][1]}>; {rfc_date(self.date)}{CRLF}")
            if rng.random() < 0.8:
                bh = b64(rng, 32)
                sig = b64(rng, 256)
                sig_lines = CRLF.join("\t " + sig[i:i + 70] for i in range(0, len(sig), 70))
                hops.append(
                    f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={dom};{CRLF}"
                    f"\ts=selector{rng.randint(1, 2)}; t={int(self.date.timestamp())}; bh={bh};{CRLF}"
                    f"\th=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type;{CRLF}"
                    f"\tb={sig_lines.lstrip()}{CRLF}")
        return "".join(hops)

    def _org_headers(self, rng):
        t = self.date.astimezone(timezone.utc)
        h = [
            f"X-MS-Exchange-Organization-OriginalArrivalTime: {org_time(t)}{CRLF} (UTC)",
            f"X-MS-Exchange-Organization-ExpirationStartTime: {org_time(t + timedelta(seconds=1))}{CRLF} (UTC)",
            "X-MS-Exchange-Organization-ExpirationStartTimeReason: Original Submit",
            "X-MS-Exchange-Organization-ExpirationInterval: 1:00:00:00.0000000",
            "X-MS-Exchange-Organization-ExpirationIntervalReason: Original Submit",
            f"X-MS-Exchange-Organization-Network-Message-Id: {guid(rng)}",
            f"X-MS-Exchange-Organization-MessageDirectionality: {'Incoming' if self.inbound else 'Originating'}",
            f"X-MS-Exchange-Organization-AuthAs: {'Anonymous' if self.inbound else 'Internal'}",
            f"X-MS-Exchange-Organization-AuthSource: {server(rng)}.namprd{rng.randint(1, 22)}.prod.outlook.com",
            f"X-MS-Exchange-Organization-SCL: {rng.choice([-1, 1, 1, 1, 5])}",
            f"X-MS-Exchange-Organization-Id: {guid(rng)}",
            f"X-MS-Exchange-Organization-RecordReviewCfmType: 0",
            "X-MS-Exchange-Organization-Processed-By-Journaling: Journal Agent",
            f"X-MS-Exchange-Organization-TotalRecipientCount: {len(self.envelope)}",
        ]
        envs = [e[1] for e in self.envelope[:50]]
        h.append(fold_list("X-MS-Exchange-Organization-OriginalEnvelopeRecipients", envs).rstrip(CRLF))
        if self.inbound:
            h += [f"X-MS-Exchange-Organization-SenderRep-Score: {rng.randint(1, 9)}",
                  "X-MS-Exchange-Organization-MxPointsToUs: true",
                  f"X-MS-Exchange-Organization-ConnectingIP: 52.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                  "X-MS-Exchange-Organization-CompAuthRes: pass",
                  "X-MS-Exchange-Organization-CompAuthReason: 100"]
        if rng.random() < 0.3:
            h.append("X-Microsoft-Antispam-Message-Info:" + CRLF + CRLF.join(
                "\t" + b64(rng, 57) for _ in range(rng.randint(6, 30))))
        return CRLF.join(h) + CRLF

    def _text(self, rng, world, budget):
        """Plain and HTML bodies whose combined size is about budget."""
        txt, html, size = [], [], 0
        greet = f"Hi {self.to[0][0].split()[0] if self.to[0][0] else 'all'},{CRLF}{CRLF}"
        txt.append(greet)
        html.append(f'<p class="MsoNormal">{greet.strip()}<o:p></o:p></p>{CRLF}')
        size = len(HTML_HEAD) + 200
        while size < budget:
            k = rng.randrange(len(world.paras_txt))
            txt.append(world.paras_txt[k])
            html.append(world.paras_html[k])
            size += len(world.paras_txt[k]) + len(world.paras_html[k])
            if self.reply and rng.random() < 0.08:
                quoted = (f"From: {mailbox(rng.choice(world.internal))}{CRLF}"
                          f"Sent: {rfc_date(self.date - timedelta(hours=rng.randint(1, 90)))}{CRLF}"
                          f"To: {mailbox(self.sender)}{CRLF}Subject: {self.subject}{CRLF}{CRLF}")
                txt.append(quoted)
                html.append('<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
                            + CRLF + '<p class="MsoNormal"><b>From:</b> ' + quoted.replace(CRLF, "<br>" + CRLF)
                            + "</p>" + CRLF + "</div>" + CRLF)
        sig = f"Best regards,{CRLF}{self.sender[0]}{CRLF}{CRLF}"
        txt.append(sig)
        html.append(f'<p class="MsoNormal">{sig.replace(CRLF, "<br>")}<o:p></o:p></p>{CRLF}')
        return "".join(txt), HTML_HEAD + "".join(html) + HTML_TAIL

    def _attachment(self, rng, boundary, enc_size):
        ctype, ext, magic = rng.choice(ATTACH_TYPES)
        raw = max(64, enc_size * 3 // 4 * 76 // 78)
        data = magic + rng.randbytes(raw - len(magic))
        name = f"{rng.choice(TOPICS)}_{rng.choice(['report', 'invoice', 'scan', 'draft', 'Q' + str(rng.randint(1, 4))])}_{rng.randint(100, 9999)}.{ext}"
        enc = base64.encodebytes(data).decode().replace("\n", CRLF)
        d = rfc_date(self.date - timedelta(days=rng.randint(0, 30)))
        return (f"--{boundary}{CRLF}"
                f'Content-Type: {ctype}; name="{name}"{CRLF}'
                f"Content-Description: {name}{CRLF}"
                f'Content-Disposition: attachment; filename="{name}"; size={len(data)};{CRLF}'
                f'\tcreation-date="{d}";{CRLF}\tmodification-date="{d}"{CRLF}'
                f"Content-Transfer-Encoding: base64{CRLF}{CRLF}{enc}{CRLF}")

    def _render(self, rng, world):
        tag = f"{server(rng)}{rng.getrandbits(64):016X}"
        alt, mixed = f"_000_{tag}_", f"_004_{tag}_"
        to_hdr = fold_list("To", [mailbox(p) for p in self.to])
        cc_hdr = fold_list("Cc", [mailbox(p) for p in self.cc]) if self.cc else ""
        self.to_hdr, self.cc_hdr = to_hdr, cc_hdr
        self.subject_hdr = encode_subject(self.subject)
        head = []
        if self.tiny:
            head.append(f"Received: from {server(rng)}.contoso.com (10.{rng.randint(0, 255)}.1.{rng.randint(1, 254)}) by{CRLF}"
                        f" {server(rng)}.contoso.com with Microsoft SMTP Server id 15.2.1258.12;{CRLF}"
                        f" {rfc_date(self.date)}{CRLF}")
        else:
            head.append(self._received(rng))
        head.append(f"From: {mailbox(self.sender)}{CRLF}{to_hdr}{cc_hdr}"
                    f"Subject: {self.subject_hdr}{CRLF}"
                    f"Date: {rfc_date(self.date)}{CRLF}"
                    f"Message-ID: {self.msgid}{CRLF}")
        if self.reply:
            ref = f"<{rng.getrandbits(64):016X}@{self.sender[1].split('@')[1]}>"
            head.append(f"In-Reply-To: {ref}{CRLF}References: {ref}{CRLF}")
        if not self.inbound and not self.tiny:
            head.append(f"Thread-Topic: {self.subject_hdr}{CRLF}"
                        f"Thread-Index: {b64(rng, 22)}{CRLF}"
                        f"Accept-Language: en-US{CRLF}Content-Language: en-US{CRLF}")
        head_s = "".join(head)
        tail_hdr = "" if self.tiny else self._org_headers(rng)
        # Report wrapper (top-level headers + envelope part) costs ~1.8 KB.
        budget = self.target - len(head_s) - len(tail_hdr) - 1800 - 40 * len(self.envelope)

        if self.tiny:
            body = "".join(rng.choice(world.paras_txt) for _ in range(2))[:max(200, budget)]
            return (head_s + f"MIME-Version: 1.0{CRLF}"
                    f'Content-Type: text/plain; charset="us-ascii"{CRLF}'
                    f"Content-Transfer-Encoding: 7bit{CRLF}{CRLF}{body}{CRLF}")

        nattach = 0
        if self.target > 60_000:
            nattach = rng.choice([1, 1, 1, 2, 3])
        elif rng.random() < 0.12:
            nattach = 1
        text_budget = budget if nattach == 0 else min(budget // 3, rng.randint(3_000, 12_000))
        plain, html = self._text(rng, world, max(text_budget, 2_500))
        alt_part = (f"--{alt}{CRLF}"
                    f'Content-Type: text/plain; charset="us-ascii"{CRLF}'
                    f"Content-Transfer-Encoding: 7bit{CRLF}{CRLF}{plain}{CRLF}"
                    f"--{alt}{CRLF}"
                    f'Content-Type: text/html; charset="us-ascii"{CRLF}'
                    f"Content-Transfer-Encoding: 7bit{CRLF}{CRLF}{html}{CRLF}"
                    f"--{alt}--{CRLF}")
        if nattach == 0:
            return (head_s + f"Content-Type: multipart/alternative;{CRLF}\tboundary=\"{alt}\"{CRLF}"
                    f"MIME-Version: 1.0{CRLF}{tail_hdr}{CRLF}{alt_part}")
        left = max(1_000, budget - len(alt_part) - 400 * nattach)
        parts = []
        for i in range(nattach):
            share = left if i == nattach - 1 else int(left * rng.uniform(0.2, 0.7))
            left -= share
            parts.append(self._attachment(rng, mixed, max(share, 1_000)))
        return (head_s + f"Content-Type: multipart/mixed;{CRLF}\tboundary=\"{mixed}\"{CRLF}"
                f"MIME-Version: 1.0{CRLF}X-MS-Has-Attach: yes{CRLF}{tail_hdr}{CRLF}"
                f"--{mixed}{CRLF}Content-Type: multipart/alternative;{CRLF}"
                f"\tboundary=\"{alt}\"{CRLF}{CRLF}{alt_part}{CRLF}"
                + "".join(parts) + f"--{mixed}--{CRLF}")


def envelope_part(orig, recipients):
    lines = [f"Sender: {orig.sender[1]}", f"Subject: {orig.subject}", f"Message-Id: {orig.msgid}"]
    for field, addr, expanded in recipients:
        lines.append(f"{field}: {addr}" + (f", Expanded: {expanded}" if expanded else ""))
    text = CRLF.join(lines) + CRLF + CRLF
    try:
        text.encode("ascii")
        return 'Content-Type: text/plain; charset="us-ascii"' + CRLF + \
            "Content-Transfer-Encoding: 7bit" + CRLF + CRLF + text
    except UnicodeEncodeError:  # Exchange switches to QP for 8-bit subjects
        qp = quopri.encodestring(text.encode("utf-8")).decode().replace("\r\n", "\n").replace("\n", CRLF)
        return 'Content-Type: text/plain; charset="utf-8"' + CRLF + \
            "Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF + qp


def report(orig, recipients, rng, when):
    """The full journal report bytes for one fork of orig."""
    b = f"_{guid(rng)}_"
    srv = server(rng)
    t = when.astimezone(timezone.utc)
    head = (
        f"Return-Path: <{JOURNAL_NDR}>{CRLF}"
        f"Delivered-To: {JOURNAL_MAILBOX}{CRLF}"
        f"Received: from NAM{rng.randint(2, 12):02d}-{rng.choice(['BN8', 'CO1', 'DM6', 'SN1'])}-obe.outbound.protection.outlook.com{CRLF}"
        f"\t(mail-{rng.choice(['bn8', 'co1', 'dm6'])}nam{rng.randint(2, 12):02d}on2{rng.randint(100, 999)}.outbound.protection.outlook.com [40.107.{rng.randint(0, 255)}.{rng.randint(1, 254)}]){CRLF}"
        f"\tby mx1.archive.contoso.net (Postfix) with ESMTPS id {rng.getrandbits(40):010X}{CRLF}"
        f"\tfor <{JOURNAL_MAILBOX}>; {rfc_date(t + timedelta(seconds=2))}{CRLF}"
        f"Content-Type: multipart/mixed;{CRLF}\tboundary=\"{b}\"{CRLF}"
        f"Subject: {orig.subject_hdr}{CRLF}"
        f"{orig.to_hdr}{orig.cc_hdr}"
        f"From: {mailbox(orig.sender)}{CRLF}"
        f"MIME-Version: 1.0{CRLF}"
        f"Sender:{CRLF}\t<{EXCHANGE_SENDER}>{CRLF}"
        f"Message-ID: <{guid(rng)}@journal.report.generator>{CRLF}"
        f"Date: {rfc_date(t)}{CRLF}"
        f"X-MS-PublicTrafficType: Email{CRLF}"
        f"X-MS-Journal-Report:{CRLF}"
        f"X-MS-Exchange-Parent-Message-Id:{CRLF}\t{orig.msgid}{CRLF}"
        f"Auto-Submitted: auto-generated{CRLF}"
        f"X-MS-Exchange-Generated-Message-Source: Journal Agent{CRLF}"
        f"X-MS-TrafficTypeDiagnostic: {srv}:JournalingReport{CRLF}"
        f"X-OriginatorOrg: {TENANT}{CRLF}"
        f"X-MS-Exchange-CrossTenant-Network-Message-Id:{CRLF}\t{guid(rng)}{CRLF}"
        f"X-MS-Exchange-Transport-CrossTenantHeadersStamped: {srv}{CRLF}"
        f"{CRLF}")
    return (head.encode()
            + f"--{b}{CRLF}".encode() + envelope_part(orig, recipients).encode()
            + f"{CRLF}--{b}{CRLF}Content-Type: message/rfc822{CRLF}{CRLF}".encode()
            + orig.raw + f"{CRLF}--{b}--{CRLF}".encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=20000, help="number of reports (default 20000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("dest", help="Maildir to create (cur/, new/, tmp/)")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be positive")

    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(args.dest, sub), exist_ok=True)
    world = World(args.seed)
    rng = random.Random(f"sequence:{args.seed}")
    step = YEAR_SECONDS / args.count
    pending = []  # (due position, original index, report time, remaining recipients)
    orig_idx = n = forks = 0
    total = 0
    while n < args.count:
        when = YEAR_START + timedelta(seconds=n * step + rng.uniform(0, step))
        if pending and pending[0][0] <= n:
            _, idx, t0, rcpts = pending.pop(0)
            orig = Original(world, args.seed, idx, t0)
            # A fork is generated a few seconds to minutes after the first report.
            data = report(orig, rcpts, rng, t0 + timedelta(seconds=rng.randint(2, 600)))
            forks += 1
        else:
            orig = Original(world, args.seed, orig_idx, when)
            rcpts = orig.envelope
            if len(rcpts) >= 2 and rng.random() < FORK_PICK:
                cut = rng.randint(1, len(rcpts) - 1)
                rcpts, rest = rcpts[:cut], rcpts[cut:]
                bisect.insort(pending, (n + rng.randint(1, 400), orig_idx, when, rest))
            data = report(orig, rcpts, rng, when + timedelta(seconds=rng.randint(1, 30)))
            orig_idx += 1
        n += 1
        path = os.path.join(args.dest, "cur", f"{n}.jharvest-bench:2,S")
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
        if n % 2000 == 0:
            print(f"  {n} reports, {total / 1e6:.0f} MB", file=sys.stderr)
    print(f"wrote {n} reports ({forks} forks of {orig_idx} originals), "
          f"{total} bytes ({total / 1e6:.1f} MB) to {args.dest}")


if __name__ == "__main__":
    main()
