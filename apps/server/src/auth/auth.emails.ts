/** The texts of the account emails. Plain text first; every link is absolute. */
export function authEmails(publicUrl: string) {
  return {
    verifyEmail: (name: string, url: string) => ({
      kind: 'verify_email',
      subject: 'Confirm your email address for Tillit',
      text: `Hello ${name},\n\nConfirm your email address by opening this link:\n${url}\n\nIf you did not sign up for Tillit at ${publicUrl}, ignore this message.\n`,
    }),
    resetPassword: (name: string, url: string) => ({
      kind: 'reset_password',
      subject: 'Reset your Tillit password',
      text: `Hello ${name},\n\nSomeone asked to reset the password of your Tillit account. To choose a new password, open:\n${url}\n\nThe link works for one hour. If it was not you, ignore this message: your password stays as it is.\n`,
    }),
  };
}
