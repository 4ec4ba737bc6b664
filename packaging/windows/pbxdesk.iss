; Inno Setup 6 script: the Windows installer of pbxdesk.
;
; Input: the PyInstaller one-folder build dist\pbxdesk\ (packaging\pbxdesk.spec).
; Output: dist\pbxdesk-<version>-windows-x64-setup.exe
;
; Build (packaging\build-windows.ps1 does all of it):
;   iscc /DAppVersion=0.1.0 packaging\windows\pbxdesk.iss
; Optional defines: /DSourceDir=<one-folder build> /DOutputDir=<where the setup goes>.
;
; The installer needs no administrator rights: by default it installs for the current user
; (%LOCALAPPDATA%\Programs\pbxdesk); run as administrator, or answer the dialog, to install
; for all users (Program Files). It adds a Start-menu entry (and, if ticked, a desktop icon)
; and an uninstaller in "Apps & features". Silent install for scripts and CI:
;   pbxdesk-<version>-windows-x64-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /CURRENTUSER

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir AddBackslash(SourcePath) + "..\..\dist\pbxdesk"
#endif
#ifndef OutputDir
  #define OutputDir AddBackslash(SourcePath) + "..\..\dist"
#endif
#define SetupIcon AddBackslash(SourcePath) + "..\..\build\icons\pbxdesk.ico"

#if !FileExists(AddBackslash(SourceDir) + "pbxdesk.exe")
  #error "No pbxdesk.exe in SourceDir: build the app with PyInstaller first (packaging\build-windows.ps1)"
#endif

[Setup]
; A fixed AppId: upgrades replace the installed version instead of installing beside it.
AppId={{C63FE199-23F7-4D0A-9FBD-48E1E4FB69D5}
AppName=pbxdesk
AppVersion={#AppVersion}
AppVerName=pbxdesk {#AppVersion}
AppPublisher=pbxdesk developers
AppComments=Desktop workbench for cloud-PBX webhook integrations
DefaultDirName={autopf}\pbxdesk
DefaultGroupName=pbxdesk
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=pbxdesk-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName=pbxdesk {#AppVersion}
UninstallDisplayIcon={app}\pbxdesk.exe
CloseApplications=yes
#if FileExists(SetupIcon)
SetupIconFile={#SetupIcon}
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade must not keep libraries of the previous version that the new one dropped.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\pbxdesk"; Filename: "{app}\pbxdesk.exe"; Comment: "Cloud-PBX webhook workbench"
Name: "{autodesktop}\pbxdesk"; Filename: "{app}\pbxdesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\pbxdesk.exe"; Description: "{cm:LaunchProgram,pbxdesk}"; Flags: nowait postinstall skipifsilent
