// The API token a person signed in with, kept in sessionStorage: it lasts as long as the tab and
// is never written anywhere a later visitor of the machine would find it.

const key = 'slipway.token';

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(key, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(key);
}
