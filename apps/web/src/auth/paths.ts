/** The app's sign-in and landing pages (browser pages never use the seed API's paths). */
export const SIGN_IN_PATH = "/signin";
export const SIGN_UP_PATH = "/signup";
export const HOME_PATH = "/chat";
export const CHOOSE_PASSWORD_PATH = "/choose-password";
