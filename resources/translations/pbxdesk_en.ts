<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>DeliveryActions</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/delivery_actions.py" line="+130"/>
        <source>Call replayed: %Ln delivery(ies) queued</source>
        <translation>
            <numerusform>Call replayed: %Ln delivery queued</numerusform>
            <numerusform>Call replayed: %Ln deliveries queued</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+43"/>
        <source>%Ln event(s) of the call sent to {0}</source>
        <translation>
            <numerusform>%Ln event of the call sent to {0}</numerusform>
            <numerusform>%Ln events of the call sent to {0}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+9"/>
        <source>%Ln delivery(ies) cancelled</source>
        <translation>
            <numerusform>%Ln delivery cancelled</numerusform>
            <numerusform>%Ln deliveries cancelled</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+15"/>
        <source>Endpoint {0} resumed: %Ln delivery(ies) go(es) out</source>
        <translation>
            <numerusform>Endpoint {0} resumed: %Ln delivery goes out</numerusform>
            <numerusform>Endpoint {0} resumed: %Ln deliveries go out</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/detail_pane.py" line="+160"/>
        <source>… (first %Ln byte(s) shown)</source>
        <translation>
            <numerusform>… (first %Ln byte shown)</numerusform>
            <numerusform>… (first %Ln bytes shown)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+234"/>
        <location line="+36"/>
        <source>%Ln attempt(s)</source>
        <translation>
            <numerusform>%Ln attempt</numerusform>
            <numerusform>%Ln attempts</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/filter_bar.py" line="+264"/>
        <source>%Ln event(s) match</source>
        <translation>
            <numerusform>%Ln event matches</numerusform>
            <numerusform>%Ln events match</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln event</numerusform>
            <numerusform>%Ln events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln call(s)</source>
        <translation>
            <numerusform>%Ln call</numerusform>
            <numerusform>%Ln calls</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LiveMonitor</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/live_monitor.py" line="+305"/>
        <source>%Ln subscription(s) could not be removed at the PBX</source>
        <translation>
            <numerusform>%Ln subscription could not be removed at the PBX</numerusform>
            <numerusform>%Ln subscriptions could not be removed at the PBX</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/main_window.py" line="+687"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln event</numerusform>
            <numerusform>%Ln events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>%Ln request(s)</source>
        <translation>
            <numerusform>%Ln request</numerusform>
            <numerusform>%Ln requests</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PbxMenus</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/dialogs/menus.py" line="+235"/>
        <source>Delete extension {0} and its %Ln subscription(s)? Its history stays.</source>
        <translation>
            <numerusform>Delete extension {0} and its %Ln subscription? Its history stays.</numerusform>
            <numerusform>Delete extension {0} and its %Ln subscriptions? Its history stays.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/dialogs/preferences_dialog.py" line="+206"/>
        <source> day(s)</source>
        <translation>
            <numerusform> day</numerusform>
            <numerusform> days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+7"/>
        <source> event(s)</source>
        <translation>
            <numerusform> event</numerusform>
            <numerusform> events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+124"/>
        <source>%Ln attempt(s) in all: {0}</source>
        <translation>
            <numerusform>%Ln attempt in all: {0}</numerusform>
            <numerusform>%Ln attempts in all: {0}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProfileSwitcher</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/profile_switcher.py" line="+53"/>
        <source>%Ln event(s), {0} MB</source>
        <translation>
            <numerusform>%Ln event, {0} MB</numerusform>
            <numerusform>%Ln events, {0} MB</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ScenarioBar</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/scenario_feed.py" line="+157"/>
        <source>%Ln extension(s)</source>
        <translation>
            <numerusform>%Ln extension</numerusform>
            <numerusform>%Ln extensions</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln subscription(s)</source>
        <translation>
            <numerusform>%Ln subscription</numerusform>
            <numerusform>%Ln subscriptions</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StatsView</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/stats_view.py" line="+82"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln event</numerusform>
            <numerusform>%Ln events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln attempt(s)</source>
        <translation>
            <numerusform>%Ln attempt</numerusform>
            <numerusform>%Ln attempts</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncDialog</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/dialogs/sync_dialog.py" line="+390"/>
        <location line="+33"/>
        <source>%Ln extension(s)</source>
        <translation>
            <numerusform>%Ln extension</numerusform>
            <numerusform>%Ln extensions</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="-33"/>
        <location line="+34"/>
        <source>%Ln subscription(s)</source>
        <translation>
            <numerusform>%Ln subscription</numerusform>
            <numerusform>%Ln subscriptions</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>Skipped %Ln extension(s) of types pbxdesk does not model.</source>
        <translation>
            <numerusform>Skipped %Ln extension of a type pbxdesk does not model.</numerusform>
            <numerusform>Skipped %Ln extensions of types pbxdesk does not model.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TimelineExporter</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/export.py" line="+90"/>
        <source>Export %Ln event(s)</source>
        <translation>
            <numerusform>Export %Ln event</numerusform>
            <numerusform>Export %Ln events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+60"/>
        <source>Exporting %Ln event(s) to {0}…</source>
        <translation>
            <numerusform>Exporting %Ln event to {0}…</numerusform>
            <numerusform>Exporting %Ln events to {0}…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+26"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln event</numerusform>
            <numerusform>%Ln events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln delivery attempt(s)</source>
        <translation>
            <numerusform>%Ln delivery attempt</numerusform>
            <numerusform>%Ln delivery attempts</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TimelineModel</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/timeline/model.py" line="+782"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln event</numerusform>
            <numerusform>%Ln events</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>WriterFailedBanner</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/writer_banner.py" line="+48"/>
        <source>⚠ Deliveries stopped: the profile&apos;s history writer failed and could not be restarted ({0}). Nothing more is sent or recorded in this session. The outbox is intact: %Ln delivery(ies) wait in it. Quit pbxdesk and start it again to send them (or run `pbxdesk outbox resume`); `pbxdesk profile check {1}` tells whether the profile file is damaged.</source>
        <translation>
            <numerusform>⚠ Deliveries stopped: the profile&apos;s history writer failed and could not be restarted ({0}). Nothing more is sent or recorded in this session. The outbox is intact: %Ln delivery waits in it. Quit pbxdesk and start it again to send them (or run `pbxdesk outbox resume`); `pbxdesk profile check {1}` tells whether the profile file is damaged.</numerusform>
            <numerusform>⚠ Deliveries stopped: the profile&apos;s history writer failed and could not be restarted ({0}). Nothing more is sent or recorded in this session. The outbox is intact: %Ln deliveries wait in it. Quit pbxdesk and start it again to send them (or run `pbxdesk outbox resume`); `pbxdesk profile check {1}` tells whether the profile file is damaged.</numerusform>
        </translation>
    </message>
</context>
</TS>
