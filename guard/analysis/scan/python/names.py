"""Names of calls, as tables: what spawns, talks to the network, decodes, runs code.

A call's name is the dotted name its target resolves to through the file's
import aliases (``qualname``): ``sp.Popen`` after ``import subprocess as sp`` is
``subprocess.Popen``.
"""

from __future__ import annotations

import ast
import re

SPAWN = frozenset(
    {
        "subprocess.Popen",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.run",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.startfile",
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "commands.getoutput",
        "commands.getstatusoutput",
        "popen2.popen2",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "win32api.ShellExecute",
        "win32process.CreateProcess",
        "ctypes.windll.shell32.ShellExecuteW",
        "ctypes.windll.shell32.ShellExecuteA",
    }
)
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
# Calls that talk to the network themselves (not helpers of network libraries).
NETWORK = frozenset(
    [f"requests.{v}" for v in _HTTP_VERBS]
    + [f"requests.api.{v}" for v in _HTTP_VERBS]
    + [f"httpx.{v}" for v in (*_HTTP_VERBS, "stream")]
    + [
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.urlopen",
        "urllib.urlretrieve",
        "urllib2.urlopen",
        "urllib.request.build_opener",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "socket.create_connection",
        "socket.socket",
        "urllib3.request",
        "urllib3.PoolManager",
        "aiohttp.request",
        "aiohttp.ClientSession",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "telnetlib.Telnet",
        "pycurl.Curl",
        "wget.download",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "websocket.create_connection",
        "paramiko.SSHClient",
        "webbrowser.open",
        # a repository cloned: code fetched from wherever the URL says
        "git.Repo.clone_from",
        "dulwich.porcelain.clone",
        "pygit2.clone_repository",
    ]
)
DECODERS = frozenset(
    {
        "base64.b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.b85decode",
        "base64.a85decode",
        "base64.decodebytes",
        "base64.decodestring",
        "base64.urlsafe_b64decode",
        "base64.standard_b64decode",
        "zlib.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "gzip.decompress",
        "marshal.loads",
        "codecs.decode",
        "binascii.unhexlify",
        "binascii.a2b_base64",
        "binascii.a2b_hex",
        "bytes.fromhex",
        "bytearray.fromhex",
        "pickle.loads",
        "zlib.decompressobj",
    }
)
EXECS = frozenset({"exec", "eval", "compile", "builtins.exec", "builtins.eval", "execfile"})
IDENTITY = frozenset(
    {
        "socket.gethostname",
        "socket.getfqdn",
        "platform.node",
        "getpass.getuser",
        "os.getlogin",
        "platform.uname",
        "os.getuid",
    }
)
SECRET_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})
FILE_READERS = frozenset(
    {"open", "io.open", "codecs.open", "read", "read_text", "read_bytes", "readlines"}
)
FILE_EXEC = frozenset({"runpy.run_path", "execfile", "imp.load_source"})
WRITE_MODES = re.compile(r"[wax+]")
OUTSIDE_TREE = re.compile(
    r"^(?:~|/(?:etc|usr|bin|sbin|var|Library|System|root|home|Users)\b|[A-Za-z]:\\|%\w+%)"
    r"|APPDATA|USERPROFILE|LOCALAPPDATA|ProgramData",
    re.IGNORECASE,
)
CMDCLASS_KEYS = frozenset({"install", "develop", "egg_info", "install_lib", "install_scripts"})
STEALTH_DECODE_ARGS = re.compile(r"^(?:base64|hex|rot_?13|zlib|bz2|uu)(?:_codec)?$", re.I)


# Calls, by their last name, that hand over the user's secrets: (kind, weight, what).
SECRET_APIS: dict[str, tuple[str, float, str]] = {
    "get_credentials": ("cloud-credentials", 3.0, "reads cloud credentials"),
    "get_frozen_credentials": ("cloud-credentials", 3.0, "reads cloud credentials"),
    "CryptUnprotectData": ("secret-store", 4.0, "decrypts protected browser or OS secrets"),
}
# ...and by their full name.
SECRET_CALLS: dict[str, tuple[str, float, str]] = {
    "keyring.get_password": ("secret-store", 2.5, "reads a stored password"),
    "keyring.get_credential": ("secret-store", 2.5, "reads a stored password"),
    "browser_cookie3.load": ("secret-store", 4.0, "reads the browsers' cookies"),
    "browser_cookie3.chrome": ("secret-store", 4.0, "reads the browsers' cookies"),
    "browser_cookie3.firefox": ("secret-store", 4.0, "reads the browsers' cookies"),
    "browser_cookie3.edge": ("secret-store", 4.0, "reads the browsers' cookies"),
}
UNPICKLERS = frozenset({"pickle.loads", "_pickle.loads", "dill.loads", "cloudpickle.loads"})
# Objects whose attributes a computed getattr should not reach for: the builtins
# and the modules that run things, talk to the network or load code.
SENSITIVE_MODULES = frozenset(
    {
        "__builtins__",
        "builtins",
        "os",
        "subprocess",
        "socket",
        "ctypes",
        "importlib",
        "sys",
        "marshal",
        "pickle",
        "urllib.request",
        "requests",
        "base64",
        "zlib",
        "codecs",
    }
)
PLAIN_EXECS = frozenset({"exec", "builtins.exec", "execfile", "eval", "builtins.eval"})
WRITE_CALLS = frozenset(
    {
        "open",
        "io.open",
        "shutil.copy",
        "shutil.copyfile",
        "shutil.copy2",
        "shutil.copytree",
        "shutil.move",
        "os.rename",
        "os.replace",
        "winreg.SetValueEx",
        "winreg.SetValue",
        "_winreg.SetValueEx",
    }
)
HOME_CALLS = frozenset({"os.path.expanduser", "pathlib.Path.home", "Path.home"})
BARE_SPAWNS = frozenset({"Popen", "check_output", "check_call"})
DUMPERS = frozenset({"dict", "str", "repr", "json.dumps"})


def qualname(node: ast.AST, aliases: dict[str, str]) -> str:
    """The dotted name a call target resolves to, through import aliases."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = qualname(node.value, aliases)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return _call_name(node, aliases)
    if isinstance(node, ast.Subscript):
        # __builtins__["exec"], globals()["eval"], vars(builtins)["exec"]
        key = str_value(node.slice)
        return key if key is not None and key in EXECS else ""
    return ""


def _call_name(node: ast.Call, aliases: dict[str, str]) -> str:
    """``__import__("os")`` names ``os``; ``getattr(os, "system")`` names ``os.system``."""
    func = qualname(node.func, aliases)
    if func in {"__import__", "importlib.import_module"} and node.args:
        module = str_value(node.args[0])
        if module is not None:
            # (``__import__("a.b")`` hands back the package ``a``, without a fromlist)
            top = func == "__import__" and not _fromlist(node)
            return module.split(".")[0] if top else module
    if func == "getattr" and len(node.args) >= 2:
        attr = str_value(node.args[1])
        if attr is not None:
            return f"{qualname(node.args[0], aliases)}.{attr}"
    return ""


def _fromlist(node: ast.Call) -> bool:
    """``__import__(name, g, l, fromlist)`` given a fromlist (the module itself back)."""
    given = [*node.args[3:4], *(k.value for k in node.keywords if k.arg == "fromlist")]
    return any(not (isinstance(g, ast.Constant) and not g.value) for g in given)


def str_value(node: ast.AST | None) -> str | None:
    """The value of a string constant, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def last_part(name: str) -> str:
    """``b64decode`` of ``base64.b64decode``."""
    return name.rsplit(".", 1)[-1]
