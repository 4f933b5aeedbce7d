// Background side of the page layer: answers the content scripts' verdict requests with the Rust core (placeholder).
export function isPageMessage(message) {
  return typeof message?.type === 'string' && message.type.startsWith('page.');
}

export async function handlePageMessage(message) {
  throw new Error(`page layer not built yet: ${message.type}`);
}
