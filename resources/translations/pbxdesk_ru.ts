<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru">
<context>
    <name>AccountConnection</name>
    <message>
        <location filename="../../pbxdesk/ui/account.py" line="+100"/>
        <source>not connected to a PBX account: choose “Live: PBX account” in the feed selector and connect</source>
        <translation>нет подключения к аккаунту АТС: выберите «Живой режим: аккаунт АТС» в источнике событий и подключитесь</translation>
    </message>
</context>
<context>
    <name>AccountDialog</name>
    <message>
        <location line="+20"/>
        <source>Connect to the PBX account</source>
        <translation>Подключение к аккаунту АТС</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>the API application&apos;s client id</source>
        <translation>client id API-приложения</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Keep the secret</source>
        <translation>Сохранить секрет</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>In Live mode the extension and subscription dialogs change this account through its API; Simulated mode changes only this profile.</source>
        <translation>В живом режиме диалоги добавочных и подписок меняют этот аккаунт через его API; в режиме симуляции меняется только этот профиль.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>API address:</source>
        <translation>Адрес API:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client id:</source>
        <translation>Идентификатор клиента (client id):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client secret:</source>
        <translation>Секрет клиента (client secret):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Connect</source>
        <translation>Подключиться</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>An http:// or https:// address, e.g. {0}</source>
        <translation>Адрес http:// или https://, например {0}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Required: the client id of the PBX&apos;s API application</source>
        <translation>Обязательно: client id API-приложения АТС</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Required</source>
        <translation>Обязательно</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Connecting to the PBX…</source>
        <translation>Подключение к АТС…</translation>
    </message>
</context>
<context>
    <name>CallFlowView</name>
    <message>
        <location filename="../../pbxdesk/ui/call_flow.py" line="+21"/>
        <source>outside</source>
        <translation>внешний</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>extension</source>
        <translation>добавочный</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>phone</source>
        <translation>телефон</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>queue</source>
        <translation>очередь</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ivr</source>
        <translation>IVR</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fax</source>
        <translation>факс</translation>
    </message>
    <message>
        <location line="+96"/>
        <source>Select an event to see its call&apos;s flow</source>
        <translation>Выберите событие, чтобы увидеть схему его звонка</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>+{0} s</source>
        <translation>+{0} с</translation>
    </message>
</context>
<context>
    <name>DeliveryActions</name>
    <message>
        <location filename="../../pbxdesk/ui/delivery_actions.py" line="+63"/>
        <source>Redeliver #{0} to {1}</source>
        <translation>Доставить ещё раз №{0} на {1}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Replay this call to today&apos;s subscriptions</source>
        <translation>Повторить звонок для текущих подписок</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Send this call to another URL…</source>
        <translation>&amp;Отправить звонок на другой URL…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save this call as a scenario…</source>
        <translation>Сохранить этот звонок как сценарий…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cancel this event&apos;s pending deliveries</source>
        <translation>Отменить ожидающие доставки события</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Resume endpoint {0}</source>
        <translation>Возобновить адрес {0}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pause endpoint {0}</source>
        <translation>Приостановить адрес {0}</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>the delivery engine is not running</source>
        <translation>механизм доставки не запущен</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Delivery #{0} queued again as #{1}</source>
        <translation>Доставка №{0} поставлена в очередь снова как №{1}</translation>
    </message>
    <message numerus="yes">
        <location line="+6"/>
        <source>Call replayed: %Ln delivery(ies) queued</source>
        <translation>
            <numerusform>Звонок повторён: в очереди %Ln доставка</numerusform>
            <numerusform>Звонок повторён: в очереди %Ln доставки</numerusform>
            <numerusform>Звонок повторён: в очереди %Ln доставок</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Send this call to another URL</source>
        <translation>Отправить звонок на другой URL</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>URL (the events go as a POST form):</source>
        <translation>URL (события уйдут POST-формой):</translation>
    </message>
    <message numerus="yes">
        <location line="+32"/>
        <source>%Ln event(s) of the call sent to {0}</source>
        <translation>
            <numerusform>%Ln событие звонка отправлено на {0}</numerusform>
            <numerusform>%Ln события звонка отправлены на {0}</numerusform>
            <numerusform>%Ln событий звонка отправлено на {0}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+9"/>
        <source>%Ln delivery(ies) cancelled</source>
        <translation>
            <numerusform>Отменена %Ln доставка</numerusform>
            <numerusform>Отменены %Ln доставки</numerusform>
            <numerusform>Отменено %Ln доставок</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+15"/>
        <source>Endpoint {0} resumed: %Ln delivery(ies) go(es) out</source>
        <translation>
            <numerusform>Адрес {0} возобновлён: уходит %Ln доставка</numerusform>
            <numerusform>Адрес {0} возобновлён: уходят %Ln доставки</numerusform>
            <numerusform>Адрес {0} возобновлён: уходит %Ln доставок</numerusform>
        </translation>
    </message>
    <message>
        <location line="-48"/>
        <source>Nothing sent</source>
        <translation>Ничего не отправлено</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Endpoint {0} paused: its deliveries wait</source>
        <translation>Адрес {0} приостановлен: его доставки ждут</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <location filename="../../pbxdesk/ui/detail_pane.py" line="+123"/>
        <location line="+16"/>
        <source>no answer</source>
        <translation>нет ответа</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>Attempt {0} · started {1} · {2} ms</source>
        <translation>Попытка {0} · начата {1} · {2} мс</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Request</source>
        <translation>Запрос</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Response: none — {0}</source>
        <translation>Ответ: нет — {0}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Response: HTTP {0}</source>
        <translation>Ответ: HTTP {0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · error class: {0}</source>
        <translation> · класс ошибки: {0}</translation>
    </message>
    <message numerus="yes">
        <location line="+14"/>
        <source>… (first %Ln byte(s) shown)</source>
        <translation>
            <numerusform>… (показано начало: %Ln байт)</numerusform>
            <numerusform>… (показано начало: %Ln байта)</numerusform>
            <numerusform>… (показано начало: %Ln байт)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(empty body)</source>
        <translation>(пустое тело)</translation>
    </message>
    <message>
        <location line="+15"/>
        <location line="+50"/>
        <source>Select an event to see its fields and deliveries</source>
        <translation>Выберите событие, чтобы увидеть его поля и доставки</translation>
    </message>
    <message>
        <location line="-48"/>
        <location line="+234"/>
        <source>Copy as curl</source>
        <translation>Копировать как curl</translation>
    </message>
    <message>
        <location line="-232"/>
        <source>Copy a curl command that sends the selected delivery&apos;s request again</source>
        <translation>Скопировать команду curl, которая повторит запрос выбранной доставки</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Field</source>
        <translation>Поле</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Delivery / attempt</source>
        <translation>Доставка / попытка</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Result</source>
        <translation>Результат</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Latency</source>
        <translation>Задержка</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The selected attempt&apos;s request and response</source>
        <translation>Запрос и ответ выбранной попытки</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>&lt;b&gt;{0}&lt;/b&gt; on &lt;b&gt;{1}&lt;/b&gt; · CallID {2} · event #{3} · {4}</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; на &lt;b&gt;{1}&lt;/b&gt; · CallID {2} · событие №{3} · {4}</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>attempt {0} · {1}</source>
        <translation>попытка {0} · {1}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>no attempt yet (queued)</source>
        <translation>попыток ещё не было (в очереди)</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Delivery #{0} · {1}</source>
        <translation>Доставка №{0} · {1}</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <location line="+36"/>
        <source>%Ln attempt(s)</source>
        <translation>
            <numerusform>%Ln попытка</numerusform>
            <numerusform>%Ln попытки</numerusform>
            <numerusform>%Ln попыток</numerusform>
        </translation>
    </message>
    <message>
        <location line="-18"/>
        <source>Copied ✓</source>
        <translation>Скопировано ✓</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>delivery #{0} · {1}</source>
        <translation>доставка №{0} · {1}</translation>
    </message>
    <message>
        <location line="-33"/>
        <source>Request (as the subscriber received it)</source>
        <translation>Запрос (как его получил подписчик)</translation>
    </message>
    <message>
        <location line="-73"/>
        <location line="+103"/>
        <source>No subscription listens to this event.</source>
        <translation>На это событие нет подписки.</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>{0} on {1} · CallID {2} · event #{3}</source>
        <translation>{0} на {1} · CallID {2} · событие №{3}</translation>
    </message>
</context>
<context>
    <name>ErrorText</name>
    <message>
        <location filename="../../pbxdesk/ui/error_text.py" line="+21"/>
        <source>The PBX did not accept the credentials</source>
        <translation>АТС не приняла учётные данные</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The PBX cannot be reached</source>
        <translation>АТС недоступна</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not found on the PBX</source>
        <translation>Не найдено на АТС</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The PBX refused the request</source>
        <translation>АТС отклонила запрос</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The PBX asks to slow down</source>
        <translation>АТС просит сбавить темп</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The PBX failed on its side</source>
        <translation>Сбой на стороне АТС</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The PBX answered with an error</source>
        <translation>АТС ответила ошибкой</translation>
    </message>
</context>
<context>
    <name>ExtensionDialog</name>
    <message>
        <location filename="../../pbxdesk/ui/dialogs/extension_dialog.py" line="+75"/>
        <source>New extension</source>
        <translation>Новый добавочный</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Edit extension</source>
        <translation>Изменение добавочного</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>e.g. {0}</source>
        <translation>например, {0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0}*105, or just 105</source>
        <translation>{0}*105 или просто 105</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Phone</source>
        <translation>Телефон</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Queue</source>
        <translation>Очередь</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>IVR (voice menu)</source>
        <translation>IVR (голосовое меню)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fax</source>
        <translation>Факс</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Active</source>
        <translation>Активен</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Blocked</source>
        <translation>Заблокирован</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Shown on the called phone, e.g. Anna Petrova</source>
        <translation>Показывается на вызываемом телефоне, например: Анна Петрова</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>optional: CallerIDName of its calls (else the label)</source>
        <translation>необязательно: CallerIDName его звонков (иначе метка)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>optional, e.g. 12</source>
        <translation>необязательно, например 12</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>optional JSON text, e.g. {&quot;crm_user&quot;: 5}</source>
        <translation>необязательно, текст JSON, например {&quot;crm_user&quot;: 5}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Record calls (hangup events carry RecID)</source>
        <translation>Записывать разговоры (в событиях hangup будет RecID)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>optional, e.g. 78123332301</source>
        <translation>необязательно, например 78123332301</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>optional, e.g. +79990001122</source>
        <translation>необязательно, например +79990001122</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>phone extensions, comma separated: {0}*101, {0}*102</source>
        <translation>телефоны через запятую: {0}*101, {0}*102</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Ring all agents at once</source>
        <translation>Звонить всем операторам сразу</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ring agents one after another</source>
        <translation>Звонить операторам по очереди</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+9"/>
        <source> s</source>
        <translation> с</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Id:</source>
        <translation>Id:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name:</source>
        <translation>Имя:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&lt;client prefix&gt;*&lt;short number&gt;</source>
        <translation>&lt;префикс клиента&gt;*&lt;короткий номер&gt;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type:</source>
        <translation>Тип:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status:</source>
        <translation>Состояние:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label:</source>
        <translation>Подпись:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Caller ID name:</source>
        <translation>Имя абонента (Caller ID):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Group id:</source>
        <translation>Номер группы:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extra parameters:</source>
        <translation>Доп. параметры:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created (UTC):</source>
        <translation>Создан (UTC):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Account:</source>
        <translation>Аккаунт:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Public number (DID):</source>
        <translation>Городской номер (DID):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Forward outside to:</source>
        <translation>Переадресация на внешний:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Agents:</source>
        <translation>Операторы:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Strategy:</source>
        <translation>Стратегия:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Each agent rings:</source>
        <translation>Звонок каждому оператору:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>After the menu, go to:</source>
        <translation>После меню перевести на:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Time in the menu:</source>
        <translation>Время в меню:</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Live mode: OK saves on the PBX account {0}, then in this profile. Recording, numbers, agents and routes are simulator settings: they stay in this profile.</source>
        <translation>Живой режим: ОК сохраняет в аккаунте АТС {0}, затем в этом профиле. Запись, номера, агенты и маршруты — настройки симулятора: они остаются в этом профиле.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>The id is assigned by the PBX and cannot change</source>
        <translation>Id назначает АТС, изменить его нельзя</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>A name is required, e.g. {0}*105</source>
        <translation>Укажите имя, например {0}*105</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The name must carry this PBX&apos;s client prefix: {0}*{1}</source>
        <translation>Имя должно начинаться с префикса клиента этой АТС: {0}*{1}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Use &lt;client prefix&gt;*&lt;short number&gt;, e.g. {0}*105 (or just 105)</source>
        <translation>Формат: &lt;префикс клиента&gt;*&lt;короткий номер&gt;, например {0}*105 (или просто 105)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{0} is already the name of extension {1}</source>
        <translation>Имя {0} уже занято добавочным {1}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>An id is required</source>
        <translation>Укажите id</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The id must be a positive whole number</source>
        <translation>Id должен быть целым положительным числом</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Id {0} is taken by {1}</source>
        <translation>Id {0} уже занят добавочным {1}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This extension has {0} subscriptions: message events exist only on phone extensions</source>
        <translation>У этого добавочного есть подписки на {0}: события сообщений бывают только у телефонов</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>It is an agent of queue {0}: queue agents must be phones</source>
        <translation>Он оператор очереди {0}: операторами очереди могут быть только телефоны</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>A queue needs at least one agent</source>
        <translation>В очереди должен быть хотя бы один оператор</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+24"/>
        <source>There is no extension {0}</source>
        <translation>Добавочного {0} нет</translation>
    </message>
    <message>
        <location line="-22"/>
        <source>{0} is not a phone (its type: {1}): queue agents must be phones</source>
        <translation>{0} — не телефон (тип: {1}): операторами очереди могут быть только телефоны</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>An agent is listed twice</source>
        <translation>Оператор указан дважды</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>An IVR needs a route: where callers go after the menu</source>
        <translation>Для IVR нужен маршрут: куда попадает звонящий после меню</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Route loop: {0}</source>
        <translation>Маршрут зациклен: {0}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Digits only (a leading + is fine), e.g. 78123332301</source>
        <translation>Только цифры (можно с + в начале), например 78123332301</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>A group id is a positive whole number</source>
        <translation>Номер группы — целое положительное число</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Extra parameters are JSON text, e.g. {&quot;crm_user&quot;: 5}</source>
        <translation>Доп. параметры — текст JSON, например {&quot;crm_user&quot;: 5}</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>{0} is only in this profile, not on the PBX account: push it with PBX → Sync with account…, or edit it in Simulated mode</source>
        <translation>{0} есть только в этом профиле, не в аккаунте АТС: отправьте его через АТС → Синхронизация с аккаунтом… или измените в режиме симуляции</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{0} is already routed to {1}</source>
        <translation>Номер {0} уже направлен на {1}</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Saving to the PBX…</source>
        <translation>Сохранение на АТС…</translation>
    </message>
</context>
<context>
    <name>ExtensionsPanel</name>
    <message>
        <location filename="../../pbxdesk/ui/extensions_panel.py" line="+27"/>
        <source>Extension</source>
        <translation>Добавочный</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>The scenario&apos;s extensions and subscriptions (edit the file to change them)</source>
        <translation>Добавочные и подписки сценария (чтобы их изменить, правьте файл)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Only in this profile, not on the PBX account (Sync with account… pushes it)</source>
        <translation>Только в этом профиле, не в аккаунте АТС (его отправит «Синхронизация с аккаунтом…»)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>blocked · {0}</source>
        <translation>заблокирован · {0}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>blocked</source>
        <translation>заблокирован</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>active</source>
        <translation>активен</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} · id {1} · {2}</source>
        <translation>{0} · ид {1} · {2}</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <location filename="../../pbxdesk/ui/filter_bar.py" line="+43"/>
        <source>Time: any</source>
        <translation>Время: любое</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 5 minutes</source>
        <translation>Последние 5 минут</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last hour</source>
        <translation>Последний час</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 24 hours</source>
        <translation>Последние 24 часа</translation>
    </message>
    <message>
        <location filename="../../pbxdesk/ui/timeline/states.py" line="+78"/>
        <source>Delivered</source>
        <translation>Доставлено</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retrying</source>
        <translation>Повтор</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Failed</source>
        <translation>Ошибка</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paused</source>
        <translation>Приостановлено</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No subscriber</source>
        <translation>Нет подписчика</translation>
    </message>
    <message>
        <location filename="../../pbxdesk/ui/filter_bar.py" line="+55"/>
        <source>CallID or number… (Ctrl+F)</source>
        <translation>CallID или номер… (Ctrl+F)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>A CallID (or its first characters), or part of a number or name: caller, called, DID, extension</source>
        <translation>CallID (или его начало) либо часть номера или имени: звонящий, вызываемый, DID, добавочный</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Event</source>
        <translation>Событие</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event type</source>
        <translation>Тип события</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event: any</source>
        <translation>Событие: любое</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+1"/>
        <source>Extension</source>
        <translation>Добавочный</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+74"/>
        <source>Extension: any</source>
        <translation>Добавочный: любой</translation>
    </message>
    <message>
        <location line="-73"/>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Call status (CallStatus)</source>
        <translation>Статус звонка (CallStatus)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status: any</source>
        <translation>Статус: любой</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Result</source>
        <translation>Результат</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delivery result</source>
        <translation>Результат доставки</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Result: any</source>
        <translation>Результат: любой</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+1"/>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Failures only</source>
        <translation>Только ошибки</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Events with a delivery whose last attempt failed (failed, or waiting to retry)</source>
        <translation>События с доставкой, последняя попытка которой не удалась (ошибка или ждёт повтора)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Clear</source>
        <translation>Сбросить</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show every event</source>
        <translation>Показать все события</translation>
    </message>
    <message>
        <location line="+122"/>
        <source>searching…</source>
        <translation>поиск…</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%Ln event(s) match</source>
        <translation>
            <numerusform>найдено %Ln событие</numerusform>
            <numerusform>найдено %Ln события</numerusform>
            <numerusform>найдено %Ln событий</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln событие</numerusform>
            <numerusform>%Ln события</numerusform>
            <numerusform>%Ln событий</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln call(s)</source>
        <translation>
            <numerusform>%Ln звонок</numerusform>
            <numerusform>%Ln звонка</numerusform>
            <numerusform>%Ln звонков</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FormDialog</name>
    <message>
        <location filename="../../pbxdesk/ui/dialogs/common.py" line="+105"/>
        <source>OK</source>
        <translation>ОК</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location line="+124"/>
        <source>Unexpected error: {0}</source>
        <translation>Непредвиденная ошибка: {0}</translation>
    </message>
</context>
<context>
    <name>LiveFeed</name>
    <message>
        <location filename="../../pbxdesk/ui/live_feed.py" line="+58"/>
        <source>S&amp;ync with account…</source>
        <translation>&amp;Синхронизация с аккаунтом…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compare this profile with the PBX account, then push or pull the difference</source>
        <translation>Сравнить этот профиль с аккаунтом АТС, затем отправить или загрузить разницу</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Connecting to the PBX account…</source>
        <translation>Подключение к аккаунту АТС…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Connected to {0}: edits now go to the PBX account</source>
        <translation>Подключено к {0}: изменения теперь идут в аккаунт АТС</translation>
    </message>
</context>
<context>
    <name>LiveMonitor</name>
    <message>
        <location filename="../../pbxdesk/ui/live_monitor.py" line="+223"/>
        <source>&amp;Monitor an extension on the PBX…</source>
        <translation>&amp;Мониторинг внутреннего номера на АТС…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stop monitoring</source>
        <translation>Остановить мониторинг</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Live: {0} → {1}</source>
        <translation>Живой режим: {0} → {1}</translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>%Ln subscription(s) could not be removed at the PBX</source>
        <translation>
            <numerusform>Не удалось удалить на АТС %Ln подписку</numerusform>
            <numerusform>Не удалось удалить на АТС %Ln подписки</numerusform>
            <numerusform>Не удалось удалить на АТС %Ln подписок</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../pbxdesk/ui/main_window.py" line="+116"/>
        <source>pbxdesk — {0}</source>
        <translation>pbxdesk — {0}</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Filter failed: {0}</source>
        <translation>Фильтр не сработал: {0}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Feed</source>
        <translation>Поток</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Simulated PBX (demo traffic)</source>
        <translation>Симулятор АТС (демо-трафик)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Live: PBX account</source>
        <translation>Живой режим: аккаунт АТС</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+287"/>
        <source>Scenario: {0}</source>
        <translation>Сценарий: {0}</translation>
    </message>
    <message>
        <location line="-286"/>
        <source>Open scenario file…</source>
        <translation>Открыть файл сценария…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Where events come from: the demo traffic on this profile&apos;s PBX, the real PBX account (Live: edits go to the account, Start monitors an extension), or a scenario file (its own extensions and subscriptions; see README, Scenario files)</source>
        <translation>Откуда берутся события: демо-трафик АТС этого профиля, настоящий аккаунт АТС (живой режим: изменения идут в аккаунт, «Запустить» отслеживает добавочный) или файл сценария (свои добавочные и подписки; см. README, Scenario files)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Start</source>
        <translation>Запустить</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pause</source>
        <translation>Пауза</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stop</source>
        <translation>Остановить</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Find</source>
        <translation>Найти</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Next failure</source>
        <translation>Следующая ошибка</translation>
    </message>
    <message>
        <location line="-47"/>
        <source> P&amp;rofile: </source>
        <translation> П&amp;рофиль: </translation>
    </message>
    <message>
        <location line="+6"/>
        <source> Fee&amp;d: </source>
        <translation> &amp;Источник: </translation>
    </message>
    <message>
        <location line="+35"/>
        <source>&amp;Open scenario file…</source>
        <translation>&amp;Открыть файл сценария…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source> &amp;Speed: </source>
        <translation> С&amp;корость: </translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Applies from the next Start</source>
        <translation>Применяется при следующем запуске</translation>
    </message>
    <message>
        <location line="+90"/>
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
    <message>
        <location line="-40"/>
        <source>Group by call</source>
        <translation>Группировать по звонкам</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>One row per call; click ▸ (or press →) to show its events</source>
        <translation>Одна строка на звонок; нажмите ▸ (или →), чтобы показать его события</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>No events yet — press Start</source>
        <translation>Событий пока нет — нажмите «Запустить»</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Call flow</source>
        <translation>Схема звонка</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stats</source>
        <translation>Статистика</translation>
    </message>
    <message>
        <location line="+122"/>
        <source>Open a scenario</source>
        <translation>Открыть сценарий</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Scenarios (*.toml)</source>
        <translation>Сценарии (*.toml)</translation>
    </message>
    <message>
        <location line="+214"/>
        <source>No failed delivery in this view</source>
        <translation>В этом представлении нет неудачных доставок</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>running</source>
        <translation>работает</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>stopped</source>
        <translation>остановлен</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Feed {0}</source>
        <translation>Поток {0}</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln событие</numerusform>
            <numerusform>%Ln события</numerusform>
            <numerusform>%Ln событий</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} delivered</source>
        <translation>доставлено: {0}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} retrying</source>
        <translation>повторяется: {0}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} failed</source>
        <translation>ошибок: {0}</translation>
    </message>
    <message numerus="yes">
        <location line="+16"/>
        <source>%Ln request(s)</source>
        <translation>
            <numerusform>%Ln запрос</numerusform>
            <numerusform>%Ln запроса</numerusform>
            <numerusform>%Ln запросов</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test receiver {0}</source>
        <translation>Тестовый приёмник {0}</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>Live: {0} · edits go to the PBX account</source>
        <translation>Живой режим: {0} · изменения идут в аккаунт АТС</translation>
    </message>
</context>
<context>
    <name>MonitorDialog</name>
    <message>
        <location filename="../../pbxdesk/ui/live_monitor.py" line="-231"/>
        <source>Monitor an extension on the PBX</source>
        <translation>Мониторинг внутреннего номера на АТС</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>an id (175) or a short number (@200)</source>
        <translation>id (175) или короткий номер (@200)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>https://your-tunnel.example — forwards to the receiver</source>
        <translation>https://ваш-туннель.example — ведёт к приёмнику</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Keep the secret ({0})</source>
        <translation>Сохранить секрет ({0})</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>API address:</source>
        <translation>Адрес API:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client id:</source>
        <translation>Идентификатор клиента (client id):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client secret:</source>
        <translation>Секрет клиента (client secret):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extension:</source>
        <translation>Внутренний номер:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Public URL of the receiver:</source>
        <translation>Публичный URL приёмника:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Events:</source>
        <translation>События:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Start monitoring</source>
        <translation>Начать мониторинг</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>API address</source>
        <translation>Адрес API</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+2"/>
        <source>is required</source>
        <translation>обязательное поле</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Client id</source>
        <translation>Идентификатор клиента</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Client secret</source>
        <translation>Секрет клиента</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>an id like 175 or a short number like @200</source>
        <translation>id, например 175, или короткий номер, например @200</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Extension</source>
        <translation>Внутренний номер</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Public URL</source>
        <translation>Публичный URL</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>choose at least one</source>
        <translation>выберите хотя бы одно</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Events</source>
        <translation>События</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Connecting to the PBX and subscribing the extension…</source>
        <translation>Подключение к АТС и подписка добавочного…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Unexpected error: {0}</source>
        <translation>Непредвиденная ошибка: {0}</translation>
    </message>
</context>
<context>
    <name>PbxMenus</name>
    <message>
        <location filename="../../pbxdesk/ui/dialogs/menus.py" line="+74"/>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Export…</source>
        <translation>&amp;Экспорт…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save the timeline&apos;s rows as CSV, JSON or HAR</source>
        <translation>Сохранить строки ленты в CSV, JSON или HAR</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export &amp;selected rows…</source>
        <translation>Экспорт &amp;выбранных строк…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Quit</source>
        <translation>В&amp;ыход</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>&amp;Edit</source>
        <translation>&amp;Правка</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Preferences…</source>
        <translation>&amp;Настройки…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;PBX</source>
        <translation>&amp;АТС</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New &amp;extension…</source>
        <translation>Новый &amp;добавочный…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Edit…</source>
        <translation>&amp;Изменить…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Delete</source>
        <translation>&amp;Удалить</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>New &amp;subscription…</source>
        <translation>Новая &amp;подписка…</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Edit extension…</source>
        <translation>Изменить добавочный…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>New subscription…</source>
        <translation>Новая подписка…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete extension</source>
        <translation>Удалить добавочный</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Edit subscription…</source>
        <translation>Изменить подписку…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete subscription</source>
        <translation>Удалить подписку</translation>
    </message>
    <message>
        <location line="+69"/>
        <source>{0} cannot be deleted: {1} route calls to it. Change them first.</source>
        <translation>{0} нельзя удалить: на него направляют звонки {1}. Сначала измените их.</translation>
    </message>
    <message numerus="yes">
        <location line="+7"/>
        <source>Delete extension {0} and its %Ln subscription(s)? Its history stays.</source>
        <translation>
            <numerusform>Удалить добавочный {0} и его %Ln подписку? История останется.</numerusform>
            <numerusform>Удалить добавочный {0} и его %Ln подписки? История останется.</numerusform>
            <numerusform>Удалить добавочный {0} и его %Ln подписок? История останется.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Delete the {0} subscription to {1} {2}?</source>
        <translation>Удалить подписку {0} на {1} {2}?</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>It is not on the PBX account: only this profile changes.</source>
        <translation>Его нет в аккаунте АТС: меняется только этот профиль.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Live mode: it is deleted on the PBX account {0} too.</source>
        <translation>Живой режим: он будет удалён и в аккаунте АТС {0}.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Deleting on the PBX account…</source>
        <translation>Удаление в аккаунте АТС…</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+1"/>
        <source>Not deleted: {0}</source>
        <translation>Не удалено: {0}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Deleted on the PBX account and in this profile</source>
        <translation>Удалено в аккаунте АТС и в этом профиле</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+5"/>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>pbxdesk</source>
        <translation>pbxdesk</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Saved on the PBX account and in this profile</source>
        <translation>Сохранено в аккаунте АТС и в этом профиле</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Preferences saved; the delivery settings apply now</source>
        <translation>Настройки сохранены; параметры доставки действуют сразу</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Saved: deliveries follow it now; new extensions join the feed at its next Start</source>
        <translation>Сохранено: доставки уже идут по новой конфигурации; новые добавочные появятся в потоке после следующего запуска</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <location filename="../../pbxdesk/ui/dialogs/preferences_dialog.py" line="+76"/>
        <source>Preferences</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The saved delivery settings were not valid ({0}); defaults shown</source>
        <translation>Сохранённые настройки доставки неверны ({0}); показаны значения по умолчанию</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Delivery</source>
        <translation>Доставка</translation>
    </message>
    <message>
        <location line="+13"/>
        <source> s</source>
        <translation> с</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Follow redirects (3xx)</source>
        <translation>Следовать перенаправлениям (3xx)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Honour Retry-After on 429 and 503</source>
        <translation>Учитывать Retry-After при 429 и 503</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>never</source>
        <translation>никогда</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Retry schedule:</source>
        <translation>Расписание повторов:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Seconds to wait before each attempt, comma separated (the first is usually 0)</source>
        <translation>Пауза перед каждой попыткой в секундах, через запятую (первая обычно 0)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Jitter:</source>
        <translation>Разброс:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Timeout per request:</source>
        <translation>Тайм-аут запроса:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Requests in flight, in all:</source>
        <translation>Одновременных запросов, всего:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Requests in flight per host:</source>
        <translation>Одновременных запросов на хост:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Pause a host after:</source>
        <translation>Приостановить хост после:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>deliveries in a row that failed every attempt</source>
        <translation>доставок подряд, не прошедших ни с одной попытки</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Delivery settings apply as soon as you press OK; an attempt under way ends under the old ones.</source>
        <translation>Параметры доставки начинают действовать, как только вы нажмёте OK; попытка, которая уже идёт, завершится по старым.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Live receiver</source>
        <translation>Живой приёмник</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Listen on host:</source>
        <translation>Слушать на хосте:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Port:</source>
        <translation>Порт:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Public URL:</source>
        <translation>Публичный URL:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The address a tunnel gives the receiver; the PBX is subscribed to it</source>
        <translation>Адрес, который туннель даёт приёмнику; на него подписывается АТС</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>History</source>
        <translation>История</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+6"/>
        <source>Keep only the last</source>
        <translation>Хранить только последние</translation>
    </message>
    <message numerus="yes">
        <location line="-2"/>
        <source> day(s)</source>
        <translation>
            <numerusform> день</numerusform>
            <numerusform> дня</numerusform>
            <numerusform> дней</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+7"/>
        <source> event(s)</source>
        <translation>
            <numerusform> событие</numerusform>
            <numerusform> события</numerusform>
            <numerusform> событий</numerusform>
        </translation>
    </message>
    <message>
        <location line="+52"/>
        <source>The new language applies at once: the window reopens when you press OK.</source>
        <translation>Новый язык применится сразу: после нажатия «ОК» окно откроется заново.</translation>
    </message>
    <message numerus="yes">
        <location line="+72"/>
        <source>%Ln attempt(s) in all: {0}</source>
        <translation>
            <numerusform>Всего попыток: %Ln; паузы: {0}</numerusform>
            <numerusform>Всего попыток: %Ln; паузы: {0}</numerusform>
            <numerusform>Всего попыток: %Ln; паузы: {0}</numerusform>
        </translation>
    </message>
    <message>
        <location line="-109"/>
        <source>Older events go in the background, with their deliveries; open deliveries are kept.</source>
        <translation>Более старые события удаляются в фоне вместе с доставками; незавершённые доставки сохраняются.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Appearance</source>
        <translation>Оформление</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>System</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Light</source>
        <translation>Светлая</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dark</source>
        <translation>Тёмная</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>System language</source>
        <translation>Язык системы</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Theme:</source>
        <translation>Тема:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Language:</source>
        <translation>Язык:</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>At least one attempt: e.g. 0, 5, 300</source>
        <translation>Нужна хотя бы одна попытка, например: 0, 5, 300</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&apos;{0}&apos; is not a number of seconds</source>
        <translation>«{0}» — не число секунд</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>At least one attempt, and no negative delay</source>
        <translation>Нужна хотя бы одна попытка, паузы не могут быть отрицательными</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Jitter must be less than 100 %</source>
        <translation>Разброс должен быть меньше 100 %</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The timeout must be more than 0 s</source>
        <translation>Тайм-аут должен быть больше 0 с</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>At least 1 request at a time</source>
        <translation>Не меньше одного запроса одновременно</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>at once</source>
        <translation>сразу</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>A host name or address, e.g. 127.0.0.1</source>
        <translation>Имя хоста или адрес, например 127.0.0.1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{0} is reachable from other machines: anyone who can reach it may post events</source>
        <translation>{0} доступен с других машин: любой, кто до него дотянется, сможет присылать события</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>An http:// or https:// address, e.g. https://abc.example.net</source>
        <translation>Адрес http:// или https://, например https://abc.example.net</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Keep at least 1 day (or untick to keep every day)</source>
        <translation>Храните хотя бы 1 день (или снимите флажок, чтобы хранить всё)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The number of events cannot be negative</source>
        <translation>Число событий не может быть отрицательным</translation>
    </message>
</context>
<context>
    <name>ProfileSwitcher</name>
    <message>
        <location filename="../../pbxdesk/ui/profile_switcher.py" line="+31"/>
        <source>The profile shown: its PBX, subscriptions and history. Pick another to switch.</source>
        <translation>Открытый профиль: его АТС, подписки и история. Выберите другой, чтобы переключиться.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Cannot be opened: {0}</source>
        <translation>Не открывается: {0}</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>%Ln event(s), {0} MB</source>
        <translation>
            <numerusform>%Ln событие, {0} МБ</numerusform>
            <numerusform>%Ln события, {0} МБ</numerusform>
            <numerusform>%Ln событий, {0} МБ</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>New profile…</source>
        <translation>Новый профиль…</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>New profile</source>
        <translation>Новый профиль</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name of the new profile (letters, digits, spaces, &apos;.&apos;, &apos;_&apos;, &apos;-&apos;); it starts with the demo PBX.</source>
        <translation>Имя нового профиля (буквы, цифры, пробелы, «.», «_», «-»); он начнётся с демонстрационной АТС.</translation>
    </message>
</context>
<context>
    <name>ScenarioBar</name>
    <message>
        <location filename="../../pbxdesk/ui/scenario_feed.py" line="+79"/>
        <source>Deliver to:</source>
        <translation>Доставлять:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Test receiver (paths kept)</source>
        <translation>Тестовому приёмнику (пути сохраняются)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The scenario&apos;s own URLs</source>
        <translation>На URL из сценария</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Another URL…</source>
        <translation>На другой URL…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Where this scenario&apos;s requests go. The test receiver built into the app answers and records every request; the scenario&apos;s own URLs are sent as written; another URL takes every request, as pbxdesk run --target does.</source>
        <translation>Куда идут запросы сценария. Встроенный тестовый приёмник отвечает на каждый запрос и записывает его; URL из сценария используются как написаны; другой URL получает все запросы, как в pbxdesk run --target.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Check again</source>
        <translation>Проверить снова</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove from list</source>
        <translation>Убрать из списка</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>⚠ This scenario cannot be played: {0}</source>
        <translation>⚠ Этот сценарий нельзя воспроизвести: {0}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Scenario {0}</source>
        <translation>Сценарий {0}</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln extension(s)</source>
        <translation>
            <numerusform>%Ln добавочный</numerusform>
            <numerusform>%Ln добавочных</numerusform>
            <numerusform>%Ln добавочных</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln subscription(s)</source>
        <translation>
            <numerusform>%Ln подписка</numerusform>
            <numerusform>%Ln подписки</numerusform>
            <numerusform>%Ln подписок</numerusform>
        </translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Deliver the scenario to</source>
        <translation>Куда доставлять сценарий</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Every request of the scenario goes to this URL (method kept):</source>
        <translation>Все запросы сценария пойдут на этот URL (метод сохраняется):</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Deliver to</source>
        <translation>Доставлять</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Another URL: {0}</source>
        <translation>Другой URL: {0}</translation>
    </message>
</context>
<context>
    <name>StatsView</name>
    <message>
        <location filename="../../pbxdesk/ui/stats_view.py" line="+37"/>
        <source>per second</source>
        <translation>в секунду</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>seconds ago</source>
        <translation>секунд назад</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>events</source>
        <translation>события</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>delivered</source>
        <translation>доставлено</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>failed attempts</source>
        <translation>неудачные попытки</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Endpoint</source>
        <translation>Адресат</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Attempts</source>
        <translation>Попытки</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delivered</source>
        <translation>Доставлено</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Failed</source>
        <translation>Ошибки</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>p50 ms</source>
        <translation>p50, мс</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>p95 ms</source>
        <translation>p95, мс</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>p99 ms</source>
        <translation>p99, мс</translation>
    </message>
    <message numerus="yes">
        <location line="+32"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln событие</numerusform>
            <numerusform>%Ln события</numerusform>
            <numerusform>%Ln событий</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln attempt(s)</source>
        <translation>
            <numerusform>%Ln попытка</numerusform>
            <numerusform>%Ln попытки</numerusform>
            <numerusform>%Ln попыток</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>success rate {0}</source>
        <translation>успешных: {0}</translation>
    </message>
</context>
<context>
    <name>SubscriptionDialog</name>
    <message>
        <location filename="../../pbxdesk/ui/dialogs/subscription_dialog.py" line="+39"/>
        <source>timeout</source>
        <translation>тайм-аут</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DNS failure</source>
        <translation>ошибка DNS</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>TLS error</source>
        <translation>ошибка TLS</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>connection refused</source>
        <translation>соединение отклонено</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>connection reset</source>
        <translation>соединение сброшено</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>connection failed</source>
        <translation>не удалось соединиться</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>non-2xx status</source>
        <translation>ответ не 2xx</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>body too large</source>
        <translation>слишком большой ответ</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>New subscription</source>
        <translation>Новая подписка</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Edit subscription</source>
        <translation>Изменение подписки</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>phone</source>
        <translation>телефон</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>queue</source>
        <translation>очередь</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>IVR</source>
        <translation>голосовое меню</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>fax</source>
        <translation>факс</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{0} ({1})</source>
        <translation>{0} ({1})</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Extension:</source>
        <translation>Добавочный:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event:</source>
        <translation>Событие:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Method:</source>
        <translation>Метод:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>GET: the event&apos;s fields are added to the URL&apos;s query; POST: a form body</source>
        <translation>GET: поля события добавляются к параметрам URL; POST: передаются телом формы</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>URL:</source>
        <translation>URL:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send test event</source>
        <translation>Отправить тестовое событие</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send a sample event of this type to the URL now, with the profile&apos;s delivery settings</source>
        <translation>Отправить сейчас на этот URL пример события этого типа с настройками доставки профиля</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Live mode: OK saves on the PBX account {0}, then in this profile.</source>
        <translation>Живой режим: ОК сохраняет в аккаунте АТС {0}, затем в этом профиле.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>A URL is required</source>
        <translation>Укажите URL</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Only http:// and https:// URLs: the PBX calls nothing else</source>
        <translation>Только адреса http:// и https://: другие АТС не вызывает</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The URL has no host</source>
        <translation>В URL нет хоста</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Port 0 is not a port</source>
        <translation>Порт 0 недопустим</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a valid URL: {0}</source>
        <translation>Неверный URL: {0}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Add an extension first</source>
        <translation>Сначала добавьте добавочный</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{0} events exist only on phone extensions; {1} is of type {2}</source>
        <translation>События {0} бывают только у телефонов, а {1} имеет тип {2}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The method must be GET or POST</source>
        <translation>Метод должен быть GET или POST</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>This extension already sends {0} to this URL (subscription #{1})</source>
        <translation>Этот добавочный уже отправляет {0} на этот URL (подписка №{1})</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{0} is only in this profile, not on the PBX account: push it with PBX → Sync with account… first</source>
        <translation>{0} есть только в этом профиле, не в аккаунте АТС: сначала отправьте его через АТС → Синхронизация с аккаунтом…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This subscription is only in this profile, not on the PBX account: push it with PBX → Sync with account…, or edit it in Simulated mode</source>
        <translation>Эта подписка есть только в этом профиле, не в аккаунте АТС: отправьте её через АТС → Синхронизация с аккаунтом… или измените в режиме симуляции</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Saving to the PBX…</source>
        <translation>Сохранение на АТС…</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Sending {0} to {1}…</source>
        <translation>Отправка {0} на {1}…</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>✔ {0} · {1} ms</source>
        <translation>✔ {0} · {1} мс</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>✘ {0} · {1} ms</source>
        <translation>✘ {0} · {1} мс</translation>
    </message>
</context>
<context>
    <name>SyncDialog</name>
    <message>
        <location filename="../../pbxdesk/ui/dialogs/sync_dialog.py" line="+45"/>
        <source>Add</source>
        <translation>Добавить</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+56"/>
        <source>Change</source>
        <translation>Изменить</translation>
    </message>
    <message>
        <location line="-55"/>
        <source>Remove</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type</source>
        <translation>Тип</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label</source>
        <translation>Подпись</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Caller ID name</source>
        <translation>Имя абонента (Caller ID)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extension group</source>
        <translation>Группа добавочных</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extra parameters</source>
        <translation>Дополнительные параметры</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extension</source>
        <translation>Добавочный</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event</source>
        <translation>Событие</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Method</source>
        <translation>Метод</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Sync with the PBX account</source>
        <translation>Синхронизация с аккаунтом АТС</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Connect…</source>
        <translation>Подключиться…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connect with another API address, client id or secret</source>
        <translation>Подключиться с другим адресом API, client id или секретом</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>What “Push to account” would change on the PBX to make it like this profile. Nothing is sent until you press it.</source>
        <translation>Что «Отправить в аккаунт» изменит на АТС, чтобы она совпала с этим профилем. Ничего не отправляется, пока вы не нажмёте кнопку.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Item</source>
        <translation>Объект</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Field</source>
        <translation>Поле</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>On the PBX</source>
        <translation>На АТС</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In this profile</source>
        <translation>В этом профиле</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Result</source>
        <translation>Результат</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Compare again</source>
        <translation>Сравнить снова</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pull from account…</source>
        <translation>Загрузить из аккаунта…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Replace this profile&apos;s extensions and subscriptions with the account&apos;s</source>
        <translation>Заменить добавочные и подписки этого профиля данными аккаунта</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Push to account</source>
        <translation>Отправить в аккаунт</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Unexpected error: {0}</source>
        <translation>Непредвиденная ошибка: {0}</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Account: &lt;b&gt;{0}&lt;/b&gt;</source>
        <translation>Аккаунт: &lt;b&gt;{0}&lt;/b&gt;</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not connected</source>
        <translation>Нет подключения</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Comparing this profile with the account…</source>
        <translation>Сравнение этого профиля с аккаунтом…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Connecting to the PBX account…</source>
        <translation>Подключение к аккаунту АТС…</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>The account matches this profile: nothing to push.</source>
        <translation>Аккаунт совпадает с этим профилем: отправлять нечего.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{0} to add, {1} to change, {2} to remove on the account.</source>
        <translation>В аккаунте: добавить {0}, изменить {1}, удалить {2}.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Left alone by a push: {0}</source>
        <translation>Отправка не затронет: {0}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>extension {0}</source>
        <translation>добавочный {0}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>subscription {0} · {1}</source>
        <translation>подписка {0} · {1}</translation>
    </message>
    <message>
        <location line="+38"/>
        <location line="+8"/>
        <source>Pushing to the account… {0} of {1}</source>
        <translation>Отправка в аккаунт… {0} из {1}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>✔ done</source>
        <translation>✔ готово</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>✘ {0}</source>
        <translation>✘ {0}</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>extension {0} (id {1}) is on the PBX only: pull to get it</source>
        <translation>добавочный {0} (id {1}) есть только на АТС: загрузите из аккаунта, чтобы получить его</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>subscription #{0} ({1} of extension {2}) is on the PBX only</source>
        <translation>подписка №{0} ({1} добавочного {2}) есть только на АТС</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>done</source>
        <translation>готово</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>skipped: extension {0} could not be created or changed on the PBX</source>
        <translation>пропущено: не удалось создать или изменить на АТС добавочный {0}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>extension {0} is not on the PBX: push or pull it first</source>
        <translation>добавочного {0} нет на АТС: сначала отправьте или загрузите его</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Pushed: {0} done, {1} failed (see Result). The failed items stay in the next comparison.</source>
        <translation>Отправлено: выполнено {0}, не удалось {1} (см. «Результат»). Неудавшиеся останутся в следующем сравнении.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Pushed: {0} done. The account now matches this profile.</source>
        <translation>Отправлено: выполнено {0}. Теперь аккаунт совпадает с этим профилем.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Pull from account</source>
        <translation>Загрузка из аккаунта</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replace this profile&apos;s {0} and {1} with the account&apos;s? Local changes not pushed are lost; the history stays.</source>
        <translation>Заменить добавочные и подписки этого профиля ({0}, {1}) данными аккаунта? Неотправленные локальные изменения пропадут; история останется.</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <location line="+33"/>
        <source>%Ln extension(s)</source>
        <translation>
            <numerusform>%Ln добавочный</numerusform>
            <numerusform>%Ln добавочных</numerusform>
            <numerusform>%Ln добавочных</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="-33"/>
        <location line="+34"/>
        <source>%Ln subscription(s)</source>
        <translation>
            <numerusform>%Ln подписка</numerusform>
            <numerusform>%Ln подписки</numerusform>
            <numerusform>%Ln подписок</numerusform>
        </translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Pulled {0} and {1} from the account.</source>
        <translation>Загружено из аккаунта: {0}, {1}.</translation>
    </message>
    <message numerus="yes">
        <location line="+6"/>
        <source>Skipped %Ln extension(s) of types pbxdesk does not model.</source>
        <translation>
            <numerusform>Пропущен %Ln добавочный неподдерживаемого pbxdesk типа.</numerusform>
            <numerusform>Пропущено %Ln добавочных неподдерживаемых pbxdesk типов.</numerusform>
            <numerusform>Пропущено %Ln добавочных неподдерживаемых pbxdesk типов.</numerusform>
        </translation>
    </message>
    <message>
        <location line="-33"/>
        <source>Pull</source>
        <translation>Загрузить</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Pulling the account&apos;s configuration…</source>
        <translation>Загрузка конфигурации аккаунта…</translation>
    </message>
</context>
<context>
    <name>TimelineExporter</name>
    <message>
        <location filename="../../pbxdesk/ui/export.py" line="+70"/>
        <source>CSV — one row per event (*.csv)</source>
        <translation>CSV — строка на каждое событие (*.csv)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>JSON — events, deliveries and attempts (*.json)</source>
        <translation>JSON — события, доставки и попытки (*.json)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>HAR 1.2 — one entry per HTTP attempt (*.har)</source>
        <translation>HAR 1.2 — запись на каждую HTTP-попытку (*.har)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Select rows in the timeline first</source>
        <translation>Сначала выберите строки в ленте</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The timeline is empty: nothing to export</source>
        <translation>Лента пуста: экспортировать нечего</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>Export %Ln event(s)</source>
        <translation>
            <numerusform>Экспорт %Ln события</numerusform>
            <numerusform>Экспорт %Ln событий</numerusform>
            <numerusform>Экспорт %Ln событий</numerusform>
        </translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Save the call as a scenario</source>
        <translation>Сохранение звонка как сценария</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Scenario that replays the call (*.toml)</source>
        <translation>Сценарий, повторяющий звонок (*.toml)</translation>
    </message>
    <message numerus="yes">
        <location line="+38"/>
        <source>Exporting %Ln event(s) to {0}…</source>
        <translation>
            <numerusform>Экспорт %Ln события в {0}…</numerusform>
            <numerusform>Экспорт %Ln событий в {0}…</numerusform>
            <numerusform>Экспорт %Ln событий в {0}…</numerusform>
        </translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Exported {0}, {1} to {2}</source>
        <translation>Экспортировано: {0}, {1} — в {2}</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln событие</numerusform>
            <numerusform>%Ln события</numerusform>
            <numerusform>%Ln событий</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%Ln delivery attempt(s)</source>
        <translation>
            <numerusform>%Ln попытка доставки</numerusform>
            <numerusform>%Ln попытки доставки</numerusform>
            <numerusform>%Ln попыток доставки</numerusform>
        </translation>
    </message>
    <message>
        <location line="-11"/>
        <location line="+5"/>
        <source>Export failed: {0}</source>
        <translation>Экспорт не удался: {0}</translation>
    </message>
</context>
<context>
    <name>TimelineModel</name>
    <message>
        <location filename="../../pbxdesk/ui/i18n.py" line="+54"/>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event</source>
        <translation>Событие</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extension</source>
        <translation>Добавочный</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Caller</source>
        <translation>Кто звонит</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Called</source>
        <translation>Кому</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delivery</source>
        <translation>Доставка</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CallID</source>
        <translation>CallID</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Direction</source>
        <translation>Направление</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duration</source>
        <translation>Длительность</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event #</source>
        <translation>Событие №</translation>
    </message>
    <message>
        <location filename="../../pbxdesk/ui/timeline/rows.py" line="+161"/>
        <location filename="../../pbxdesk/ui/timeline/states.py" line="-24"/>
        <source>pending</source>
        <translation>в очереди</translation>
    </message>
    <message>
        <location filename="../../pbxdesk/ui/timeline/states.py" line="+1"/>
        <source>in flight</source>
        <translation>отправляется</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>delivered</source>
        <translation>доставлено</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>failed</source>
        <translation>ошибка</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>retrying</source>
        <translation>повтор</translation>
    </message>
    <message>
        <location filename="../../pbxdesk/ui/timeline/rows.py" line="+7"/>
        <location filename="../../pbxdesk/ui/timeline/states.py" line="-7"/>
        <source>cancelled</source>
        <translation>отменено</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>in flight (attempt {0})</source>
        <translation>отправляется (попытка {0})</translation>
    </message>
    <message>
        <location line="+2"/>
        <location filename="../../pbxdesk/ui/timeline/states.py" line="+1"/>
        <source>paused</source>
        <translation>приостановлено</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>(retrying, attempt {0})</source>
        <translation>(повтор, попытка {0})</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(failed after attempt {0})</source>
        <translation>(ошибка после попытки {0})</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(attempt {0})</source>
        <translation>(попытка {0})</translation>
    </message>
    <message>
        <location filename="../../pbxdesk/ui/timeline/grouping.py" line="+71"/>
        <source>{0} delivered</source>
        <translation>доставлено: {0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} retrying</source>
        <translation>повтор: {0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} failed</source>
        <translation>ошибок: {0}</translation>
    </message>
    <message>
        <location line="+4"/>
        <location filename="../../pbxdesk/ui/timeline/rows.py" line="-55"/>
        <location filename="../../pbxdesk/ui/timeline/states.py" line="+11"/>
        <source>no subscriber</source>
        <translation>нет подписчика</translation>
    </message>
    <message>
        <location filename="../../pbxdesk/ui/timeline/model.py" line="+747"/>
        <source>(removed)</source>
        <translation>(удалено)</translation>
    </message>
    <message numerus="yes">
        <location line="+35"/>
        <source>%Ln event(s)</source>
        <translation>
            <numerusform>%Ln событие</numerusform>
            <numerusform>%Ln события</numerusform>
            <numerusform>%Ln событий</numerusform>
        </translation>
    </message>
    <message>
        <location line="+15"/>
        <source>CallID {0} — click ▸ or press → to show its events</source>
        <translation>CallID {0} — нажмите ▸ или →, чтобы показать его события</translation>
    </message>
</context>
<context>
    <name>Units</name>
    <message>
        <location filename="../../pbxdesk/ui/units.py" line="+11"/>
        <source>{0} ms</source>
        <translation>{0} мс</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{0} s</source>
        <translation>{0} с</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{0} min</source>
        <translation>{0} мин</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{0} h</source>
        <translation>{0} ч</translation>
    </message>
</context>
<context>
    <name>WriterFailedBanner</name>
    <message numerus="yes">
        <location filename="../../pbxdesk/ui/writer_banner.py" line="+48"/>
        <source>⚠ Deliveries stopped: the profile&apos;s history writer failed and could not be restarted ({0}). Nothing more is sent or recorded in this session. The outbox is intact: %Ln delivery(ies) wait in it. Quit pbxdesk and start it again to send them (or run `pbxdesk outbox resume`); `pbxdesk profile check {1}` tells whether the profile file is damaged.</source>
        <translation>
            <numerusform>⚠ Доставка остановлена: запись истории профиля отказала и не запустилась снова ({0}). В этом сеансе больше ничего не отправляется и не записывается. Очередь доставок цела: в ней ждёт %Ln доставка. Закройте pbxdesk и запустите снова, чтобы отправить их (или выполните `pbxdesk outbox resume`); `pbxdesk profile check {1}` покажет, не повреждён ли файл профиля.</numerusform>
            <numerusform>⚠ Доставка остановлена: запись истории профиля отказала и не запустилась снова ({0}). В этом сеансе больше ничего не отправляется и не записывается. Очередь доставок цела: в ней ждут %Ln доставки. Закройте pbxdesk и запустите снова, чтобы отправить их (или выполните `pbxdesk outbox resume`); `pbxdesk profile check {1}` покажет, не повреждён ли файл профиля.</numerusform>
            <numerusform>⚠ Доставка остановлена: запись истории профиля отказала и не запустилась снова ({0}). В этом сеансе больше ничего не отправляется и не записывается. Очередь доставок цела: в ней ждут %Ln доставок. Закройте pbxdesk и запустите снова, чтобы отправить их (или выполните `pbxdesk outbox resume`); `pbxdesk profile check {1}` покажет, не повреждён ли файл профиля.</numerusform>
        </translation>
    </message>
</context>
</TS>
