"""Checks that the generated mobile projects agree with src-tauri/tauri.conf.json and carry our settings.

    python3 mobile/check-sync.py      # exit 1 with the list of differences

Android: src-tauri/gen/android (made by `tauri android init`, then edited: permissions, network security config,
release signing). iOS: src-tauri/Info.ios.plist, merged by `tauri ios init` (which needs macOS, so the Xcode
project itself is not committed).
"""
import json
import plistlib
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
conf = json.loads((root / "src-tauri/tauri.conf.json").read_text())
android = root / "src-tauri/gen/android"
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


ident = conf["identifier"]
gradle = (android / "app/build.gradle.kts").read_text()
need(f'applicationId = "{ident}"' in gradle, f"applicationId is not {ident}")
need(f'namespace = "{ident}"' in gradle, f"namespace is not {ident}")
min_sdk = conf.get("bundle", {}).get("android", {}).get("minSdkVersion", 24)
need(f"minSdk = {min_sdk}" in gradle, f"minSdk is not {min_sdk}")
need('signingConfig = signingConfigs.getByName("release")' in gradle, "release signing from keystore.properties")
activity = android / "app/src/main/java" / Path(*ident.split(".")) / "MainActivity.kt"
need(activity.is_file(), f"{activity.relative_to(root)} missing (package must be {ident})")
strings = (android / "app/src/main/res/values/strings.xml").read_text()
need(f'<string name="app_name">"{conf["productName"]}"</string>' in strings, "app_name is not productName")
manifest = (android / "app/src/main/AndroidManifest.xml").read_text()
need("android.permission.USE_BIOMETRIC" in manifest, "USE_BIOMETRIC permission")
need('android:networkSecurityConfig="@xml/network_security_config"' in manifest, "network security config")
need("usesCleartextTraffic" not in manifest, "cleartext must come from the network security config only")
nsc = (android / "app/src/main/res/xml/network_security_config.xml").read_text()
need('<base-config cleartextTrafficPermitted="false">' in nsc, "HTTPS only by default")
allowed = set(re.findall(r"<domain[^>]*>([^<]+)</domain>", nsc))
need(allowed <= {"127.0.0.1", "localhost", "10.0.2.2"}, f"clear HTTP allowed beyond loopback: {allowed}")
settings = (android / "settings.gradle").read_text()
need("tauri.settings.gradle" in settings, "settings.gradle does not include tauri.settings.gradle")

plist = plistlib.loads((root / "src-tauri/Info.ios.plist").read_bytes())
need(bool(plist.get("NSFaceIDUsageDescription")), "NSFaceIDUsageDescription")
ats = plist.get("NSAppTransportSecurity", {})
need(ats.get("NSAllowsArbitraryLoads") is False and ats.get("NSAllowsLocalNetworking") is True, "iOS: HTTPS only except local")

caps = {p.stem: json.loads(p.read_text()) for p in (root / "src-tauri/capabilities").glob("*.json")}
need(set(caps.get("mobile", {}).get("platforms", [])) == {"android", "iOS"}, "capabilities/mobile.json platforms")
need("android" not in caps.get("desktop", {}).get("platforms", []), "capabilities/desktop.json must not cover phones")
perms = caps.get("base", {}).get("permissions", [])
need(not any(p.startswith("biometric:") for p in perms), "the webview must not call the biometric plugin directly")

if problems:
    print("mobile projects out of sync with tauri.conf.json:\n  - " + "\n  - ".join(problems))
    sys.exit(1)
print(f"mobile projects in sync with tauri.conf.json ({ident}, {conf['productName']} {conf['version']})")
