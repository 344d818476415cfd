package dev.mailgateway.server;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

/** Angus Mail as a real SMTP client against 127.0.0.1, short timeouts. */
final class SmtpClient {

    private SmtpClient() {
    }

    static Session session(int port) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "10000");
        p.put("mail.smtp.writetimeout", "10000");
        p.put("mail.smtp.localhost", "client.test");
        return Session.getInstance(p);
    }

    static MimeMessage message(Session session, String subject, String header, String value)
            throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("sender@example.com"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("rcpt@example.com"));
        m.setSubject(subject);
        if (header != null) {
            m.setHeader(header, value);
        }
        m.setText("hello from the gateway's process-level test\r\n");
        m.saveChanges();
        return m;
    }

    /** Sends one message on its own connection; throws unless the server answered 250. */
    static void send(int port, String subject) throws MessagingException {
        Session s = session(port);
        Transport.send(message(s, subject, null, null));
    }
}
