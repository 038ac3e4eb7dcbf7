/**
 * Everything the adapter knows of gemini.google.com's page, in one place (PROVIDERS.md §1.5). The site changes
 * without notice and the team's account shows the Vietnamese UI: every element has a list of selectors, and every
 * text an English and a Vietnamese form. The Vietnamese strings come from the original service; the English ones and
 * most selectors are unverified (seen in public clients or guessed from the Vietnamese UI): check the live site first.
 *
 * Plain data (strings only): it is handed to functions that run inside the page.
 */
export const GEMINI_UI = {
  /** A signed-in page: the account menu. */
  signedIn: [
    'a[aria-label*="Google Account" i]',
    'a[aria-label*="Tài khoản Google" i]',
    'a[href^="https://accounts.google.com/SignOutOptions"]',
  ],
  /** A signed-out page: the sign-in link (Google sign-in is never automated: an operator signs the profile in). */
  signedOut: [
    'a[href*="accounts.google.com/ServiceLogin"]',
    'a[href*="accounts.google.com/v3/signin"]',
    'a[href*="accounts.google.com/signin"]',
  ],
  /** The prompt box: a Quill editor inside `rich-textarea`. */
  promptBox: ['rich-textarea .ql-editor[contenteditable="true"]', 'div.ql-editor[contenteditable="true"]'],
  /** The Tools button ("Công cụ") that opens the tool drawer. */
  toolsButton: ['button.toolbox-drawer-button', 'toolbox-drawer button[aria-haspopup]'],
  toolsText: '^\\s*(Tools|Công cụ)\\s*$',
  /** Items of the tool drawer; the video one is found by its text. */
  toolItems: ['button.toolbox-drawer-item-button', 'toolbox-drawer-item button', '[role="menuitem"]'],
  /** "Tạo video bằng Veo" (orig); English unverified. */
  videoToolText: '(Tạo video|Create videos?|\\bVideo\\b|\\bVeo\\b)',
  /** The chip of the chosen tool in the composer (click deselects it). */
  chosenTool: ['button.toolbox-drawer-item-deselect-button', '.toolbox-drawer-item-deselect-button'],
  /** Start image: the composer's file input (behind the upload menu), its preview and progress. */
  fileInput: ['input[type="file"][accept*="image"]', 'input[type="file"]'],
  attachmentPreview: ['.file-preview-container img', 'uploader-file-preview img', 'img[src^="blob:"]'],
  uploading: [
    '.file-preview-container [role="progressbar"]',
    'uploader-file-preview mat-progress-spinner',
    '.uploading',
  ],
  uploadError: ['.file-preview-container [role="alert"]', 'uploader-file-preview .error'],
  /** The send button ("Gửi tin nhắn"), enabled once the box holds text. */
  sendButton: [
    'button.send-button:not([disabled]):not([aria-disabled="true"])',
    'button[aria-label="Send message" i]:not([disabled])',
    'button[aria-label="Gửi tin nhắn" i]:not([disabled])',
  ],
  /** The answer turns; the last one is ours (one job at a time per account, a fresh chat per job). */
  response: ['model-response'],
  responseText: ['message-content', '.model-response-text'],
  /** The answer is finished: its action row (copy, thumbs) shows. */
  responseDone: ['message-actions', '[data-test-id="copy-button"]'],
  /** The finished video and its download button ("Tải video xuống"). */
  video: ['video[src]', 'video source[src]'],
  downloadButton: [
    'button[aria-label*="Tải video xuống" i]',
    'button[aria-label*="Download video" i]',
    'button[aria-label*="download" i]',
    'button[aria-label*="tải xuống" i]',
  ],
  /** Still rendering ("Đang tạo video…"). */
  generatingText: '(Generating (your )?video|Creating (your )?video|Đang tạo video)',
  generating: ['model-response [role="progressbar"]', 'model-response .video-loading'],
  /** The refusal this provider exists to recognise: video generation is not available to this account. */
  notAvailableText:
    "(video generation (is not|isn't|is currently not) available|(isn't|is not) available (in your|for your|to you)|" +
    'không khả dụng|không có sẵn|chưa (được )?hỗ trợ tạo video)',
  /** The plan's video quota is used up for now. */
  quotaText: "(reached (your|the) (daily )?limit|can't generate more videos|đã đạt (đến )?giới hạn|hết lượt)",
  /** The prompt (or the image) was refused. */
  rejectedText: "(can't (create|generate|make) (that|this|videos? (like|of) th)|vi phạm|không thể tạo video này)",
  /** A failure the page shows in the answer or a toast. */
  errorText: '(something went wrong|đã (có|xảy ra) lỗi)',
  errorToast: ['simple-snack-bar', '[role="alert"]'],
  /** New chats are `/app/<hex id>`; the id is the job's provider id. */
  conversationPath: '^/app/([0-9a-f]{8,40})$',
} as const;

export type GeminiUi = typeof GEMINI_UI;
