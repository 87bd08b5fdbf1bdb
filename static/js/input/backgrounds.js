// Background pictures: the built-in ones under /backgrounds/ and the user's own upload, which is
// kept in IndexedDB (in this browser only) and restored on the next visit.

import { decodeImageFile } from './photo.js';
import { isVideoBackground, loadVideoBackground } from './videoBackground.js';

export const BUILT_IN_BACKGROUNDS = Object.freeze([
  { id: 'beach', label: 'Maldives beach', url: '/backgrounds/beach.jpg' },
  { id: 'mountains', label: 'Sunset mountains', url: '/backgrounds/mountains.jpg' },
  { id: 'office', label: 'Office, soft lights', url: '/backgrounds/office.jpg' },
  { id: 'gradient', label: 'Abstract gradient', url: '/backgrounds/gradient.jpg' },
]);

export const USER_BACKGROUND_ID = 'user';

const DATABASE = 'greenscreen';
const STORE = 'backgrounds';
const cache = new Map(); // id → Promise<ImageBitmap>

/** The decoded built-in background `id` (fetched once per page load). */
export function loadBuiltInBackground(id) {
  const entry = BUILT_IN_BACKGROUNDS.find((background) => background.id === id);
  if (!entry) return Promise.reject(new Error(`Unknown background "${id}"`));
  if (!cache.has(id)) {
    const loading = (async () => {
      const response = await fetch(entry.url);
      if (!response.ok) throw new Error(`Background ${entry.url} answered ${response.status}`);
      return createImageBitmap(await response.blob());
    })();
    loading.catch(() => cache.delete(id)); // a failed load may be retried
    cache.set(id, loading);
  }
  return cache.get(id);
}

function openDatabase() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB is not available'));
      return;
    }
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, action) {
  const database = await openDatabase();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = database.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    database.close();
  }
}

/** A picture as an ImageBitmap, a video as a looping muted <video> (videoBackground.js). */
function openBackground(blob) {
  return isVideoBackground(blob) ? loadVideoBackground(blob) : decodeImageFile(blob);
}

/**
 * Decode an uploaded background, a picture or a video (throws UserError with a clear message if it
 * is not usable, or a video over MAX_VIDEO_BACKGROUND_BYTES), keep the file for the next visit,
 * and return it decoded.
 */
export async function useUploadedBackground(file) {
  const image = await openBackground(file);
  try {
    await withStore('readwrite', (store) => store.put(file, USER_BACKGROUND_ID));
  } catch (error) {
    console.warn('Could not keep the background for the next visit:', error); // private mode, quota
  }
  return image;
}

/** The background uploaded on an earlier visit, decoded, or null. */
export async function restoreUploadedBackground() {
  try {
    const blob = await withStore('readonly', (store) => store.get(USER_BACKGROUND_ID));
    return blob ? await openBackground(blob) : null;
  } catch (error) {
    console.warn('Could not restore the uploaded background:', error);
    return null;
  }
}

/** Forget the uploaded background. */
export async function forgetUploadedBackground() {
  await withStore('readwrite', (store) => store.delete(USER_BACKGROUND_ID));
}
