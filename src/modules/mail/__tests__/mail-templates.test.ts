import { describeDuration, renderMail } from '../mail-templates';

describe('renderMail', () => {
  it('when the name carries markup, then the HTML part escapes it and the text part keeps it as typed', () => {
    const mail = renderMail('password_reset', {
      productName: 'Keyhold',
      name: '<script>alert("x")</script>',
      link: 'https://app.example.test/reset-password?token=abc',
      ttl: '15 minutes',
    });
    expect(mail.subject).toBe('Keyhold: Reset your password');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(mail.html).toContain('href="https://app.example.test/reset-password?token=abc"');
    expect(mail.text).toContain('Hello <script>alert("x")</script>,');
    expect(mail.text).toContain('15 minutes');
  });

  it('when a mail has no link, then neither part carries one', () => {
    const mail = renderMail('login_new_location', { productName: 'Keyhold', name: null, facts: { Place: 'Sydney, Australia' } });
    expect(mail.text).not.toMatch(/https?:/);
    expect(mail.html).not.toContain('<a ');
    expect(mail.text).toContain('Place: Sydney, Australia');
  });
});

describe('describeDuration', () => {
  it('when given link lifetimes, then it names them in words', () => {
    expect(describeDuration(15 * 60_000)).toBe('15 minutes');
    expect(describeDuration(24 * 3_600_000)).toBe('1 day');
    expect(describeDuration(7 * 86_400_000)).toBe('7 days');
    expect(describeDuration(90_000)).toBe('90 seconds');
  });
});
