package dev.mailgateway.relay.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.Session;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The 8bit → quoted-printable converter (RFC 6152 3, RFC 2045 6.7), checked by parsing its output
 * with Angus Mail (an independent MIME implementation): the decoded text equals the original.
 */
class EightBitDowngradeTest {

    private static final String TEXT = "Grüße aus Köln = 100 % ✓ \r\n"
            + "x".repeat(120) + "é\r\n"
            + ".leading dot\r\n\ttab and trailing tab\t\r\n";

    private static final String SIMPLE = "From: a@example.com\r\nSubject: plain ascii\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + TEXT;

    private static final String MULTIPART = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed;\r\n boundary=\"b1\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8BIT\r\n\r\n"
            + TEXT + "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
            + "--b2\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            + "<p>Größe</p>\r\n--b2--\r\n"
            + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + "AAEC\r\n--b1--\r\nepilogue\r\n";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static MimeMessage parse(byte[] bytes) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
    }

    private static void assertSevenBitWithShortLines(byte[] out) {
        for (byte b : out) {
            assertThat(b).as("7-bit output").isGreaterThanOrEqualTo((byte) 0);
        }
        for (String l : new String(out, StandardCharsets.US_ASCII).split("\r\n")) {
            assertThat(l.length()).as("line %s", l).isLessThanOrEqualTo(998);
        }
    }

    @Test
    void eightBitLeafBecomesQuotedPrintableAndDecodesToTheSameText() throws Exception {
        byte[] out = EightBitDowngrade.convert(utf8(SIMPLE));
        assertSevenBitWithShortLines(out);
        String s = new String(out, StandardCharsets.US_ASCII);
        assertThat(s).startsWith("From: a@example.com\r\nSubject: plain ascii\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        for (String l : s.substring(s.indexOf("\r\n\r\n") + 4).split("\r\n")) {
            assertThat(l.length()).as("QP line %s", l).isLessThanOrEqualTo(76); // RFC 2045 6.7 rule 5
        }
        assertThat(s).contains("=3D 100").contains("=E2=9C=93=20\r\n").contains("=09\r\n");
        assertThat((String) parse(out).getContent()).isEqualTo(TEXT);
    }

    @Test
    void nestedMultipartPartsAreConvertedAndOthersPassThrough() throws Exception {
        byte[] out = EightBitDowngrade.convert(utf8(MULTIPART));
        assertSevenBitWithShortLines(out);
        String s = new String(out, StandardCharsets.US_ASCII);
        assertThat(s).contains("boundary=\"b1\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\npreamble\r\n")
                .contains("AAEC\r\n--b1--\r\nepilogue\r\n");
        MimeMultipart mixed = (MimeMultipart) parse(out).getContent();
        assertThat(mixed.getCount()).isEqualTo(3);
        // the CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1), in the original too
        assertThat((String) mixed.getBodyPart(0).getContent()).isEqualTo(TEXT.substring(0, TEXT.length() - 2));
        MimeMultipart alt = (MimeMultipart) mixed.getBodyPart(1).getContent();
        assertThat((String) alt.getBodyPart(0).getContent()).isEqualTo("<p>Größe</p>");
        assertThat(mixed.getBodyPart(2).getHeader("Content-Transfer-Encoding")[0]).isEqualTo("base64");
    }

    @Test
    void chunkingDoesNotChangeTheOutput_oneByteAtATime() throws Exception {
        byte[] in = utf8(MULTIPART);
        byte[] whole = EightBitDowngrade.convert(in);
        EightBitDowngrade d = new EightBitDowngrade();
        ByteBuf out = Unpooled.buffer();
        for (byte b : in) {
            d.feed(Unpooled.wrappedBuffer(new byte[] {b}), out);
        }
        d.finish(out);
        byte[] chunked = new byte[out.readableBytes()];
        out.readBytes(chunked);
        out.release();
        assertThat(chunked).isEqualTo(whole);
        assertThat(d.converted()).isTrue();
    }

    @Test
    void aVeryLongEightBitLineIsEncodedInPiecesWithBoundedState() throws Exception {
        String longLine = "ü".repeat(50_000);
        String msg = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + longLine + "\r\n";
        byte[] out = EightBitDowngrade.convert(utf8(msg));
        assertSevenBitWithShortLines(out);
        assertThat(((String) parse(out).getContent()).trim()).isEqualTo(longLine);
    }

    @Test
    void sevenBitMessagesAreUnchanged() throws Exception {
        String msg = "From: a@example.com\r\nSubject: hi\r\n\r\nplain = text\r\n";
        assertThat(EightBitDowngrade.convert(utf8(msg))).isEqualTo(utf8(msg));
    }

    @Test
    void whatCannotBeConvertedWithoutGuessingFails() {
        assertThatThrownBy(() -> EightBitDowngrade.convert(utf8("Subject: Grüße\r\n\r\nx\r\n")))
                .hasMessageContaining("header");
        assertThatThrownBy(() -> EightBitDowngrade.convert(utf8("Subject: x\r\n\r\nGröße\r\n")))
                .hasMessageContaining("not labelled 8bit");
        assertThatThrownBy(() -> EightBitDowngrade.convert(utf8(
                "Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\nGröße\r\n")))
                .hasMessageContaining("not labelled 8bit");
        assertThatThrownBy(() -> EightBitDowngrade.convert(utf8(
                "Content-Type: multipart/mixed; boundary=b\r\n\r\nprä\r\n--b\r\n\r\nx\r\n--b--\r\n")))
                .hasMessageContaining("preamble");
    }
}
