"""What the static scan looks for, as data: endpoints, credential paths, commands.

Each table says what it matches and why. The patterns describe techniques
(THREATS.md), never one campaign's strings: a chat webhook is an exfiltration
channel whoever runs it, a browser's cookie store is worth stealing whoever
reads it. Everything is matched case-insensitively against string literals (or
raw text, for code that does not parse).
"""

from __future__ import annotations

import re

# --- exfil-endpoint ---------------------------------------------------------------
# (pattern, what it is). Paths are matched without the host where the path alone
# is distinctive (a Discord webhook path is one on any host), so that the tests'
# loopback samples and proxies in front of the real services are caught alike.
ENDPOINTS: tuple[tuple[str, str], ...] = (
    # Chat webhooks: write-only channels that need no account on the attacker's side.
    (r"discord(?:app)?\.com/api/webhooks", "Discord webhook"),
    (r"/api/webhooks/\d{5,}/[\w-]{20,}", "Discord-style webhook path"),
    (r"api\.telegram\.org/bot", "Telegram bot API"),
    (r"/bot\d{5,}:[\w-]{20,}/(?:send|get)\w*", "Telegram bot API path"),
    (r"hooks\.slack\.com/(?:services|workflows)/", "Slack incoming webhook"),
    (r"\.webhook\.office\.com/|outlook\.office\.com/webhook", "Teams webhook"),
    # Paste and file-drop sites: where stolen data is posted or a payload fetched.
    (r"\bpastebin\.com/(?:raw|api)", "paste site (pastebin)"),
    (
        r"\b(?:paste\.ee|hastebin\.com|ghostbin\.\w+|rentry\.(?:co|org)|dpaste\.(?:com|org))/",
        "paste site",
    ),
    (
        r"\b(?:transfer\.sh|file\.io|anonfiles\.com|gofile\.io|0x0\.st|temp\.sh)\b",
        "anonymous file drop",
    ),
    # A chat service's attachment store used as a free file host: payloads are
    # uploaded to a chat and fetched from its CDN (an expiring, signed link).
    (
        r"\b(?:cdn\.discordapp\.com|media\.discordapp\.net)/attachments/",
        "anonymous file drop (chat attachment)",
    ),
    # Free dynamic DNS names: a home machine's changing address under a fixed
    # name, what remote-access tools call home to.
    (
        r"\b(?!www\.)[\w-]+\.(?:zapto\.org|ddns\.net|hopto\.org|"
        r"no-ip\.(?:org|biz|info)|serveftp\.com|servehttp\.com|myftp\.(?:org|biz)|"
        r"duckdns\.org|dynu\.net)\b",
        "dynamic DNS host",
    ),
    # IP loggers: a link that records who opened it (counts infections). A link
    # always carries its code after the host, so some hints below end in "/"
    # (a rarer character keeps the one search for all hints fast).
    (
        r"\b(?:iplogger\.(?:org|com|ru|co|info)|grabify\.link|2no\.co|yip\.su|blasze\.com)\b",
        "IP logger",
    ),
    # Tunnels: a public name for a machine the attacker runs.
    (
        r"\b[\w-]+\.(?:ngrok(?:-free)?\.(?:io|app|dev)|trycloudflare\.com|loca\.lt|serveo\.net|"
        r"localhost\.run|pinggy\.(?:io|link)|bore\.pub)\b",
        "tunnel",
    ),
    # Request bins and out-of-band interaction services (used to prove a hit, or to
    # collect data over HTTP or DNS).
    (
        r"\b(?:[\w-]+\.)?(?:webhook\.site|requestbin\.(?:com|net)|pipedream\.net|"
        r"requestcatcher\.com|beeceptor\.com|hookbin\.com|burpcollaborator\.net|"
        r"oastify\.com|interact\.sh|oast\.(?:fun|live|me|online|pro|site)|dnslog\.cn|ceye\.io|"
        r"canarytokens\.com|requestrepo\.com)\b",
        "request bin / out-of-band service",
    ),
    # "What is my IP" services: fingerprinting the victim before exfiltration.
    (
        r"\b(?:api\d*\.ipify\.org|ipinfo\.io/json|ifconfig\.me|icanhazip\.com|ip-api\.com/json|"
        r"checkip\.amazonaws\.com|ipwho\.is)\b",
        "public-IP lookup",
    ),
)
# Lower-case substrings one of which every endpoint pattern needs: a cheap test
# (str.find) before the regular expressions run.
ENDPOINT_HINTS = (
    "webhook",
    "telegram",
    "/bot",
    "slack.com",
    "pastebin",
    "paste.ee",
    "hastebin",
    "ghostbin",
    "rentry",
    "transfer.sh",
    "file.io",
    "anonfiles",
    "gofile",
    "0x0.st",
    "temp.sh",
    "discordapp.com/",
    "discordapp.net/",
    "zapto",
    "ddns.net",
    "hopto",
    "no-ip",
    "serveftp",
    "servehttp",
    "myftp",
    "duckdns",
    "dynu.net",
    "iplogger",
    "grabify.link/",
    "2no.co/",
    "yip.su/",
    "blasze",
    "ngrok",
    "trycloudflare",
    "loca.lt",
    "serveo",
    "localhost.run",
    "pinggy",
    "bore.pub",
    "requestbin",
    "pipedream",
    "requestcatcher",
    "beeceptor",
    "hookbin",
    "burpcollaborator",
    "oastify",
    "interact.sh",
    "oast.",
    "dnslog",
    "ceye.io",
    "canarytokens",
    "requestrepo",
    "ipify",
    "ipinfo.io",
    "ifconfig.me",
    "icanhazip",
    "ip-api.com",
    "checkip.",
    "ipwho.is",
)
# What naming an endpoint weighs where it is not 4: a chat attachment link is a
# file host, which bots and archivers name too; fetching from it as the code runs
# (channel-send) is what counts.
ENDPOINT_WEIGHTS = {"anonymous file drop (chat attachment)": 2.0}
ENDPOINT_RE = re.compile("|".join(f"(?:{p})" for p, _ in ENDPOINTS), re.IGNORECASE)
ENDPOINT_PARTS = tuple((re.compile(p, re.IGNORECASE), what) for p, what in ENDPOINTS)

# A URL whose host is a literal IPv4 address: honest code names hosts.
# (Starts with the literal "://" so that the search is fast; the scheme is checked after.)
# A channel with its secret in the URL: a webhook or bot token, a per-user
# out-of-band host, a tunnel's generated name. Libraries take these from their
# user; code that carries one was written for one receiver.
CONCRETE_CHANNELS = re.compile(
    r"/api/webhooks/\d{5,}/[\w-]{20,}"
    r"|/bot\d{5,}:[\w-]{20,}"
    r"|hooks\.slack\.com/services/T\w{6,}/B\w{6,}/\w{10,}"
    r"|\b[a-z0-9]{10,}\.(?:oastify\.com|burpcollaborator\.net|interact\.sh|"
    r"oast\.(?:fun|live|me|online|pro|site)|dnslog\.cn|ceye\.io)\b"
    r"|\b[a-z0-9]{8,}\.m\.pipedream\.net\b"
    r"|webhook\.site/[0-9a-f]{8}-[0-9a-f]{4}-"
    r"|\b[0-9a-f]{6,}(?:-[\w-]+)?\.ngrok(?:-free)?\.(?:io|app|dev)\b"
    # tunnels' generated names: an address in dashed hex groups, a numbered TCP
    # endpoint, a quick tunnel's random words
    r"|\b[0-9a-f]{1,4}(?:-[0-9a-f]{1,4}){3,}\.ngrok(?:-free)?\.(?:io|app|dev)\b"
    r"|\b\d+\.tcp\.(?:[a-z]{2}\.)?ngrok\.io\b"
    r"|\b[a-z]+(?:-[a-z]+){3,}\.trycloudflare\.com\b",
    re.IGNORECASE,
)
RAW_IP_URL = re.compile(r"://(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:[/?#][^\s'\"]*)?")
URL_SCHEMES = ("http", "https", "ftp", "ws", "wss", "tcp")

# --- credential-access ------------------------------------------------------------
# Files and APIs that hold secrets of the user rather than of the package.
# (pattern, what, weight): user secrets that no package needs are worth 4; the
# files that honest HTTP, cloud and packaging clients read on the user's behalf
# (.netrc, .pypirc, cloud configs) 2.5.
CREDENTIALS: tuple[tuple[str, str, float], ...] = (
    (r"\.ssh[/\\]+(?:id_\w+\b(?!\.pub)|authorized_keys\b)", "SSH keys", 3.0),
    # an SSH client's own files: its configuration, the hosts it trusts, the folder
    # it looks for keys in (SSH tunnels, SFTP stores, docker's SSH transport)
    (
        r"\.ssh[/\\]+(?:known_hosts|config)\b|[~/\\]\.ssh\b(?![/\\]+(?:id_\w|authorized_keys))",
        "SSH client files",
        1.5,
    ),
    (
        # (``\.azure\.net`` in a regular expression is a domain, not the folder)
        r"\.aws[/\\]+credentials|\.azure[/\\]+(?![.\\])|gcloud[/\\]+(?:credentials|legacy_credentials|"
        r"application_default_credentials)|\.kube[/\\]+config|\.docker[/\\]+config\.json|"
        # a pod's service-account token (in-cluster clients read it on purpose)
        r"/var/run/secrets/[\w.-]+/serviceaccount\b",
        "cloud credentials",
        2.5,
    ),
    (r"\.git-credentials|\.netrc\b|\.pypirc\b|\.npmrc\b", "stored tokens", 2.5),
    (
        r"(?:Google[/\\]+Chrome|Chromium|BraveSoftware|Microsoft[/\\]+Edge|Opera Software|"
        r"Vivaldi|Yandex[/\\]+YandexBrowser)[/\\]+(?:User Data|Default|Local State)|"
        r"[/\\](?:Login Data|Web Data|Local State)\b|(?<=['\"])(?:Login Data|Web Data)(?=['\"])|"
        r"Mozilla[/\\]+Firefox[/\\]+Profiles|"
        r"\bkey[34]\.db\b|\blogins\.json\b|cookies\.sqlite|Network[/\\]+Cookies",
        "browser profile data",
        4.0,
    ),
    (
        r"\bwallet\.dat\b|Electrum[/\\]+wallets|\bExodus[/\\]|Atomic[/\\]+Local Storage|"
        r"nkbihfbeogaeaoehlefnkodbefgpgknn|Ethereum[/\\]+keystore",
        "crypto wallets",
        4.0,
    ),
    (
        r"login\.keychain|security\s+find-(?:generic|internet)-password|CryptUnprotectData|"
        r"\bwin32crypt\b|\b(?:import|from)\s+browser_cookie3\b",
        "keychain / protected storage",
        4.0,
    ),
    (
        r"Telegram Desktop[/\\]+tdata|discord(?:canary|ptb)?[/\\]+Local Storage[/\\]+leveldb|"
        r"Local Storage[/\\]+leveldb|(?<=['\"])leveldb(?=['\"])",
        "app session tokens",
        4.0,
    ),
)
CREDENTIAL_HINTS = (
    ".ssh",
    ".aws",
    ".azure",
    "gcloud",
    ".kube",
    ".docker",
    "/serviceaccount",
    ".git-credentials",
    ".netrc",
    ".pypirc",
    ".npmrc",
    "google/chrome",
    "google\\chrome",
    "chromium",
    "bravesoftware",
    "microsoft/edge",
    "microsoft\\edge",
    "opera software",
    "vivaldi",
    "yandexbrowser",
    "login data",
    "web data",
    "local state",
    "firefox",
    "key3.db",
    "key4.db",
    "logins.json",
    "cookies.sqlite",
    "/cookies",
    "\\cookies",
    "wallet",
    "electrum",
    "exodus",
    "local storage",
    "nkbihfbeogaeaoehlefnkodbefgpgknn",
    "ethereum",
    "keychain",
    "find-generic-password",
    "find-internet-password",
    "cryptunprotectdata",
    "win32crypt",
    "browser_cookie3",
    "telegram desktop",
    "leveldb",
)
# Files that hold one user's private secrets (an SSH private key, not the public
# one; cloud and registry credentials; the shell's history): read and then uploaded
# in one function, they are stolen (see ``combos``).
PRIVATE_FILES = re.compile(
    r"\.ssh[/\\]+id_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)|\.aws[/\\]+credentials|"
    r"\.(?:bash|zsh)_history|\.git-credentials|\.netrc\b|\.pypirc|\.docker[/\\]+config\.json|"
    r"\.kube[/\\]+config\b",
    re.IGNORECASE,
)
PRIVATE_FILE_WORDS = re.compile(r"\.ssh|\.aws|_history|credentials|netrc|pypirc|\.docker|\.kube")
CREDENTIAL_PARTS = tuple((re.compile(p, re.IGNORECASE), what, w) for p, what, w in CREDENTIALS)


def credential_part(found: str) -> tuple[str, float]:
    """What a ``CREDENTIAL_RE`` match names ("crypto wallets"), and its weight."""
    return next(((what, w) for r, what, w in CREDENTIAL_PARTS if r.search(found)), ("", 4.0))


CREDENTIAL_RE = re.compile("|".join(f"(?:{p})" for p, _, _ in CREDENTIALS), re.IGNORECASE)

# Environment variables that hold secrets (read by name).
SECRET_ENV = re.compile(
    r"(?:TOKEN|SECRET|PASSW(?:OR)?D|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|"
    r"AUTH|SESSION|COOKIE|WEBHOOK)",
    re.IGNORECASE,
)

# --- dropper ----------------------------------------------------------------------
# Places whose contents run at log-in or start-up.
AUTOSTART = re.compile(
    r"Start Menu[/\\]+Programs[/\\]+Startup|CurrentVersion[/\\]+Run(?:Once)?\b|"
    r"LaunchAgents|LaunchDaemons|\.config[/\\]+autostart|systemd[/\\]+user|"
    # (``crontab -l``, ``| crontab -``: the command; celery's ``crontab`` schedule is none)
    r"/etc/(?:cron|rc\.local|init\.d|profile\.d)|\bcrontab\s+-|/crontabs?\b|"
    r"[~/\\]\.(?:bashrc|bash_profile|zshrc|profile)\b|schtasks",
    re.IGNORECASE,
)

AUTOSTART_HINTS = (
    "start menu",
    "currentversion",
    "launchagents",
    "launchdaemons",
    "/autostart",
    "\\autostart",
    "systemd",
    "/etc/",
    "crontab",
    ".bashrc",
    ".bash_profile",
    ".zshrc",
    "/.profile",
    "\\.profile",
    "schtasks",
)


# --- install-time-code: commands -----------------------------------------------------
# Commands that fetch or run code, or hide a window: never part of a build.
STRONG_COMMANDS = re.compile(
    r"\b(?:powershell|pwsh|mshta|certutil|bitsadmin|rundll32|regsvr32|schtasks|wscript|"
    r"cscript|whoami|Invoke-WebRequest|Invoke-Expression|iex|Start-Process|DownloadString|"
    r"DownloadFile|FromBase64String)\b|-(?:enc|encodedcommand|w(?:indowstyle)?\s+hidden)\b|"
    r"/dev/tcp/|\|\s*(?:ba|z|da)?sh\b|\bbase64\s+(?:-d|--decode)\b|"
    r"\b(?:curl|wget)\b[^|;&]*[|;&]+\s*(?:sudo\s+)?(?:ba|z)?sh\b",
    re.IGNORECASE,
)
# Download cradles: one command that fetches code and runs it, or a reverse shell.
# No library runs these, wherever the call sits.
CRADLES = re.compile(
    r"\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:(?:ba|z|da)?sh|python[0-9.]*|perl|ruby|node)\b"
    r"|\b(?:iex|Invoke-Expression)\b[^;]*(?:DownloadString|Invoke-WebRequest|\biwr\b|\birm\b|"
    r"Net\.WebClient)"
    r"|(?:DownloadString|Invoke-WebRequest|\biwr\b|\birm\b)[^;]*\|\s*(?:iex|Invoke-Expression)\b"
    r"|\s-(?:enc|encodedcommand)\s+[A-Za-z0-9+/=]{16,}"
    r"|/dev/tcp/"
    r"|\bcertutil\b[^;]*-urlcache"
    r"|\bbitsadmin\b[^;]*/transfer"
    r"|\bmshta\s+[\"']?https?:"
    # PowerShell that downloads a file and starts it (or what it unpacks)
    r"|\b(?:DownloadFile|Invoke-WebRequest|iwr|Start-BitsTransfer)\b[^\n]{0,2000}?"
    r"\b(?:Start-Process|saps|Invoke-Item)\b"
    # a program fetched and made executable in one command (what is fetched is run)
    r"|\b(?:curl|wget)\b[^|;&\n]*(?:https?|ftp)://[^\n]*?(?:&&|;)\s*chmod\s+"
    r"(?:[ugoa]*\+x|0?[0-7]{2}[1357])\b",
    re.IGNORECASE,
)
# The command an auto-elevating Windows program (fodhelper, eventvwr, sdclt) opens
# for a file type: set by the user, it runs as administrator without a prompt (a
# UAC bypass).
_HIJACKED_HANDLER = (
    r"(?:ms-settings|mscfile|exefile|Folder|Launcher\.SystemSettings)"
    r"[/\\]+shell[/\\]+open[/\\]+command"
)
ELEVATION_HIJACK = re.compile(_HIJACKED_HANDLER, re.IGNORECASE)
# Commands that turn the machine's defences off: an antivirus exclusion or switch,
# the firewall, UAC (or a UAC bypass), SELinux, the shadow copies and event logs
# (what ransomware and droppers do before their payload runs). No library does this,
# wherever it sits.
DEFENCE_OFF = re.compile(
    r"\bAdd-MpPreference\b[^;\n]*-Exclusion(?:Path|Process|Extension)\b"
    r"|\bSet-MpPreference\b[^;\n]*-Disable\w+"
    r"|\bnetsh\s+(?:adv)?firewall\s+set\b[^;\n]*\b(?:state|opmode)\s+(?:off|disable)\b"
    r"|\bEnableLUA\b[^;]{0,200}?(?:-Value|/d)\s+0\b"
    r"|\bvssadmin(?:\.exe)?\s+delete\s+shadows\b|\bwevtutil(?:\.exe)?\s+cl\b"
    r"|\bsetenforce\s+0\b|\bufw\s+disable\b"
    r"|\bsystemctl\s+(?:stop|disable)\s+(?:firewalld|apparmor|auditd)\b"
    r"|\b(?:reg(?:\.exe)?\s+add|New-Item|Set-ItemProperty)\b[^;\n]*" + _HIJACKED_HANDLER,
    re.IGNORECASE,
)
# Code handed inline to an interpreter (``python -c CODE``, ``node -e CODE``)...
INLINE_CODE = re.compile(
    r"(?:^|[\s/\\\"'])(?:python[0-9.]*|pythonw|py|node|perl|ruby)(?:\.exe)?\s+-[ce]\b",
    re.IGNORECASE,
)
# ...that fetches, decodes, executes or spawns more code: a dropper hidden in
# what looks like a call of a build tool.
INLINE_PAYLOAD = re.compile(
    r"\b(?:exec|eval|compile|__import__)\s*\(|\burlopen\b|\burlretrieve\b|"
    r"\brequests\.(?:get|post)\b|\bsocket\b|\bb64decode\b|\bmarshal\b|"
    r"\bzlib\.decompress\b|\bsubprocess\b|\bos\.(?:system|popen)\b",
    re.IGNORECASE,
)
# Commands that are odd in a build unless the program itself is a build tool.
WEAK_COMMANDS = re.compile(
    r"\bcmd(?:\.exe)?\s*/[ck]\b|\bstart\s+\S|\.(?:bat|cmd|vbs|vbe|ps1|exe|scr|hta|jar)\b|"
    r"\b(?:curl|wget|nc|ncat|netcat|chmod\s+\+?[0-7]*x|nohup|disown|setsid)\b",
    re.IGNORECASE,
)
# Programs a build legitimately runs (the first word of a command, without .exe).
BUILD_TOOLS = frozenset(
    [
        "git",
        "hg",
        "svn",
        "bzr",
        "gcc",
        "g++",
        "cc",
        "c++",
        "clang",
        "clang++",
        "cl",
        "link",
        "lib",
        "ld",
        "ar",
        "nm",
        "strip",
        "objdump",
        "otool",
        "install_name_tool",
        "lipo",
        "xcrun",
        "xcodebuild",
        "codesign",
        "cmake",
        "ctest",
        "make",
        "gmake",
        "nmake",
        "ninja",
        "meson",
        "scons",
        "bazel",
        "autoreconf",
        "autoconf",
        "automake",
        "libtoolize",
        "./configure",
        "configure",
        "sh",
        "bash",
        "pkg-config",
        "pkgconf",
        "nvcc",
        "hipcc",
        "rocminfo",
        "nvidia-smi",
        "ldconfig",
        "uname",
        "which",
        "where",
        "nproc",
        "sysctl",
        "lsb_release",
        "sw_vers",
        "python",
        "python3",
        "py",
        "pip",
        "cython",
        "swig",
        "f2py",
        "gfortran",
        "rustc",
        "cargo",
        "maturin",
        "go",
        "npm",
        "npx",
        "yarn",
        "pnpm",
        "node",
        "protoc",
        "flatc",
        "doxygen",
        "sphinx-build",
        "patch",
        "tar",
        "unzip",
        "cp",
        "mv",
        "rm",
        "mkdir",
        "ln",
        "echo",
        "true",
        "test",
        "llvm-config",
        "icu-config",
        "mysql_config",
        "pg_config",
        "gdal-config",
        "xml2-config",
        "xslt-config",
        "curl-config",
        "freetype-config",
        "net-snap-config",
        "sdl2-config",
        "qmake",
        "moc",
        "rcc",
        "windres",
        "mt",
        "dumpbin",
        "vswhere",
        "gpg",
        "java",
        "javac",
        "mvn",
        "gradle",
        "ant",
        "dotnet",
        "msbuild",
    ]
)

# A command that sends a file's contents out: curl's form, upload and data-from-file
# options, wget's post-file (a marker: with private secrets read, a stealer). The
# option is found first, then the program within 300 characters before it on its
# line (``command_upload``): a line of a thousand ``curl`` words costs one search.
UPLOAD_OPTION = re.compile(
    r"\s(?:-F|--form|-T|--upload-file)\s|\s(?:-d|--data|--data-binary)\s+[\"']?@|--post-file"
)
UPLOADER = re.compile(r"\b(curl|wget)\b[^|;&\n]*$", re.IGNORECASE)
MAX_UPLOAD_OPTIONS = 64  # (options of one text looked at)
