# Build the Windows installer: dist\pbxdesk-<version>-windows-x64-setup.exe
#
#   powershell -ExecutionPolicy Bypass -File packaging\build-windows.ps1 [-Python py] [-SkipInstall]
#
# Needs: 64-bit Python 3.11+ on PATH (or -Python), Inno Setup 6.3+ (`choco install innosetup`
# or https://jrsoftware.org/isdl.php). Steps: install pbxdesk + PyInstaller + Pillow, render the
# icon (.ico), freeze with packaging\pbxdesk.spec into dist\pbxdesk\, self-test the frozen app,
# compile packaging\windows\pbxdesk.iss.
param(
    [string]$Python = "python",
    [switch]$SkipInstall
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Invoke-Checked([string]$What, [scriptblock]$Block) {
    & $Block
    if ($LASTEXITCODE -ne 0) { throw "build-windows: $What failed (exit code $LASTEXITCODE)" }
}

$Version = (Select-String -Path "pbxdesk\__init__.py" -Pattern '__version__\s*=\s*"([^"]+)"').Matches[0].Groups[1].Value
Write-Host "build-windows: pbxdesk $Version"

if (-not $SkipInstall) {
    Invoke-Checked "pip install" { & $Python -m pip install --upgrade pip }
    Invoke-Checked "pip install" { & $Python -m pip install ".[packaging]" pillow }
}

# The app icon as .ico (and PNGs) in build\icons: the spec and the .iss pick it up there.
Invoke-Checked "rendering the icons" { & $Python packaging\render_icons.py build\icons | Out-Null }

Invoke-Checked "PyInstaller" {
    & $Python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\pbxdesk.spec
}
$Exe = ".\dist\pbxdesk\pbxdesk.exe"

# The frozen app must run before it is packaged. Offscreen: no window needs a desktop.
$env:QT_QPA_PLATFORM = "offscreen"
try {
    Invoke-Checked "pbxdesk --version" { & $Exe --version }
    Invoke-Checked "pbxdesk --self-test" { & $Exe --self-test }
} finally {
    Remove-Item Env:QT_QPA_PLATFORM -ErrorAction SilentlyContinue
}
$SizeMB = [math]::Round(((Get-ChildItem dist\pbxdesk -Recurse -File | Measure-Object Length -Sum).Sum / 1MB), 1)
Write-Host "build-windows: frozen app is $SizeMB MB"

$Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) {
    throw "build-windows: Inno Setup 6 not found: choco install innosetup (or https://jrsoftware.org/isdl.php)"
}
Invoke-Checked "Inno Setup" { & $Iscc /Qp "/DAppVersion=$Version" packaging\windows\pbxdesk.iss }
$Setup = "dist\pbxdesk-$Version-windows-x64-setup.exe"
if (-not (Test-Path $Setup)) { throw "build-windows: Inno Setup made no $Setup" }
Write-Host "build-windows: built $Setup"
