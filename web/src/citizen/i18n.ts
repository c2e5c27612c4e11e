import { createI18n } from "vue-i18n";

// The citizen app's words: Russian by default, English when the phone asks for it.
const ru = {
  title: "Линия 122",
  nav: { cases: "Обращения", news: "Новости", settings: "Настройки" },
  register: {
    lead: "Обращения в региональную линию 122: сообщите о проблеме с фото и местом, следите за статусом и переписывайтесь с оператором.",
    phone: "Номер телефона",
    getCode: "Получить код",
    code: "Код из SMS",
    confirm: "Подтвердить",
    sentTo: "Код отправлен на {phone}",
    again: "Отправить код ещё раз",
  },
  cases: { empty: "Обращений пока нет", create: "Новое обращение", status: "Статус", chat: "Написать в чат" },
  create: {
    title: "Новое обращение",
    type: "Повод обращения",
    description: "Опишите проблему",
    photo: "Фото",
    addPhoto: "Добавить фото",
    location: "Местоположение",
    locate: "Определить местоположение",
    located: "{lat}, {lon} (точность {acc} м)",
    locating: "Определяем…",
    noLocation: "Местоположение недоступно: {reason}",
    send: "Отправить обращение",
    sending: "Отправляем…",
  },
  case: {
    history: "История статусов",
    chat: "Чат с оператором",
    location: "Место",
    photos: "Фото",
    back: "Назад",
  },
  chat: {
    placeholder: "Сообщение",
    send: "Отправить",
    operator: "Оператор",
    you: "Вы",
    photo: "Фото",
    empty: "Напишите оператору: ответ придёт сюда",
    bot: "Чат-бот",
  },
  bot: {
    title: "Чат линии 122",
    choose: "Выберите пункт или напишите ответ",
    handed: "Перейти к обращению № {number}",
    failed: "сообщение не отправлено",
  },
  news: { empty: "Рассылок пока нет" },
  settings: {
    push: "Уведомления",
    pushLead: "Статусы ваших обращений, ответы оператора и рассылки линии 122.",
    region: "Район (для рассылок)",
    enable: "Включить уведомления",
    disable: "Отключить",
    enabled: "Уведомления включены",
    unsupported: "Этот браузер не принимает уведомления",
    phone: "Телефон",
    logout: "Выйти",
  },
  call: {
    line: "Позвонить на линию",
    states: { starting: "Соединение…", connecting: "Соединение…", connected: "Идёт звонок", ended: "Звонок завершён" },
    menuHint: "Выберите пункт голосового меню на клавиатуре",
    stages: { menu: "Голосовое меню", queue: "Ожидание ответа оператора", operator: "Разговор с оператором" },
    queuePlace: "Вы в очереди: {n}-й",
    queueWait: "Примерное время ожидания: {m} мин",
    hangUp: "Завершить звонок",
    cameraOff: "Выключить камеру",
    cameraOn: "Включить камеру",
    operatorCamera: "Оператор",
    ended: "Звонок завершён",
    failed: "Звонок не состоялся",
    restarted: "Звонок прервался: сервер линии перезапустился. Позвоните снова.",
    again: "Позвонить снова",
  },
  error: "Не удалось: {reason}",
};

const en: typeof ru = {
  title: "Line 122",
  nav: { cases: "Requests", news: "News", settings: "Settings" },
  register: {
    lead: "Requests to the regional 122 line: report a problem with a photo and place, follow its status and chat with the operator.",
    phone: "Phone number",
    getCode: "Get a code",
    code: "Code from the SMS",
    confirm: "Confirm",
    sentTo: "The code was sent to {phone}",
    again: "Send the code again",
  },
  cases: { empty: "No requests yet", create: "New request", status: "Status", chat: "Write to the chat" },
  create: {
    title: "New request",
    type: "Topic",
    description: "Describe the problem",
    photo: "Photo",
    addPhoto: "Add a photo",
    location: "Location",
    locate: "Find my location",
    located: "{lat}, {lon} (accuracy {acc} m)",
    locating: "Locating…",
    noLocation: "Location unavailable: {reason}",
    send: "Send the request",
    sending: "Sending…",
  },
  case: { history: "Status history", chat: "Chat with the operator", location: "Place", photos: "Photos", back: "Back" },
  chat: {
    placeholder: "Message",
    send: "Send",
    operator: "Operator",
    you: "You",
    photo: "Photo",
    empty: "Write to the operator: the answer comes here",
    bot: "Chat bot",
  },
  bot: {
    title: "122 line chat",
    choose: "Choose an item or type your answer",
    handed: "Go to request No. {number}",
    failed: "the message was not sent",
  },
  news: { empty: "No broadcasts yet" },
  settings: {
    push: "Notifications",
    pushLead: "Your requests' statuses, the operator's answers and the 122 line's broadcasts.",
    region: "District (for broadcasts)",
    enable: "Turn notifications on",
    disable: "Turn off",
    enabled: "Notifications are on",
    unsupported: "This browser does not take notifications",
    phone: "Phone",
    logout: "Sign out",
  },
  call: {
    line: "Call the line",
    states: { starting: "Connecting…", connecting: "Connecting…", connected: "In a call", ended: "Call ended" },
    menuHint: "Choose the voice menu's item on the keypad",
    stages: { menu: "Voice menu", queue: "Waiting for an operator", operator: "Talking with an operator" },
    queuePlace: "Your place in the queue: {n}",
    queueWait: "Estimated wait: {m} min",
    hangUp: "End the call",
    cameraOff: "Turn the camera off",
    cameraOn: "Turn the camera on",
    operatorCamera: "The operator",
    ended: "Call ended",
    failed: "The call did not go through",
    restarted: "The call was cut off: the hotline's server restarted. Please call again.",
    again: "Call again",
  },
  error: "Failed: {reason}",
};

export const messages = { ru, en };

export const i18n = createI18n({
  legacy: false,
  locale: navigator.language.startsWith("en") ? "en" : "ru",
  fallbackLocale: "ru",
  messages,
});

/** A moment as the phone's language writes it: date and time, or `part` of it. */
export function at(iso: string, part: "date" | "time" | "both" = "both"): string {
  const locale = i18n.global.locale.value === "en" ? "en-GB" : "ru-RU";
  const options: Intl.DateTimeFormatOptions =
    part === "date" ? { dateStyle: "short" } : part === "time" ? { timeStyle: "short" } : { dateStyle: "short", timeStyle: "short" };
  return new Intl.DateTimeFormat(locale, options).format(new Date(iso));
}
