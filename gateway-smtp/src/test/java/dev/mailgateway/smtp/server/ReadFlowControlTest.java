package dev.mailgateway.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgateway.smtp.codec.SmtpCommandLine;
import dev.mailgateway.smtp.codec.SmtpServerDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ReadFlowControl} on an EmbeddedChannel: the decoder in front, a recorder of its frames behind. */
class ReadFlowControlTest {

    private final List<String> lines = new ArrayList<>();
    private boolean closing;
    private boolean closeInstead;
    private EmbeddedChannel ch;
    private ReadFlowControl flow;

    @BeforeEach
    void setUp() {
        SmtpServerDecoder decoder = new SmtpServerDecoder(512);
        ChannelInboundHandlerAdapter recorder = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                lines.add(((SmtpCommandLine) msg).line());
            }
        };
        ch = new EmbeddedChannel(decoder, recorder);
        flow = new ReadFlowControl(ch.pipeline().context(recorder), decoder, new SmtpDeadlines(1, 1),
                new ReadFlowControl.Owner() {
                    @Override
                    public boolean closing() {
                        return closing;
                    }

                    @Override
                    public boolean closeInsteadOfResuming() {
                        return closeInstead;
                    }
                });
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    private void receive(String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    @Test
    void pauseHoldsDecodingButNotReadingAndResumeDecodesWhatArrived() {
        flow.pause();
        receive("NOOP\r\nRSET\r\n");

        assertThat(lines).isEmpty();
        assertThat(flow.waiting()).isTrue();
        assertThat(ch.config().isAutoRead()).isTrue(); // the socket is still read: no epoll toggling

        flow.resume();
        assertThat(lines).containsExactly("NOOP", "RSET");
        assertThat(flow.waiting()).isFalse();
        assertThat(ch.config().isAutoRead()).isTrue();
    }

    @Test
    void aUsedUpDataBudgetStopsReadingUntilTheSpoolWriterFreesIt() {
        DataBudget budget = new DataBudget(100);
        assertThat(budget.reserve(150)).isTrue();

        assertThat(flow.budgetUsedUp(budget)).isTrue();
        assertThat(flow.budgetUsedUp(budget)).as("already paused: nothing more to do").isFalse();
        assertThat(ch.config().isAutoRead()).isFalse();
        receive("NOOP\r\n");
        assertThat(lines).isEmpty();

        budget.release(150); // the spool writer's completion: the wake-up hops to the loop
        assertThat(ch.config().isAutoRead()).isFalse();
        ch.runPendingTasks();
        assertThat(lines).containsExactly("NOOP");
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(flow.waiting()).isFalse();
    }

    @Test
    void aBudgetPauseDuringAPendingReplyLeavesThatPauseInCharge() {
        DataBudget budget = new DataBudget(100);
        budget.reserve(150);
        flow.pause();

        assertThat(flow.budgetUsedUp(budget)).isFalse();
        assertThat(ch.config().isAutoRead()).isTrue();
    }

    @Test
    void repliesTheClientDoesNotReadStopReadingUntilTheyDrain() {
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        ch.write(Unpooled.wrappedBuffer(new byte[64])); // a reply not yet flushed
        assertThat(ch.isWritable()).isFalse();

        assertThat(flow.writabilityChanged()).isTrue();
        assertThat(ch.config().isAutoRead()).isFalse();
        receive("NOOP\r\n");
        assertThat(lines).isEmpty();

        // a later reply completing meanwhile must not switch reading back on while congested
        flow.pause();
        flow.resume();
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(lines).isEmpty();

        assertThat(ch.isWritable()).isTrue(); // the flush inside writabilityChanged drained it
        assertThat(flow.writabilityChanged()).isFalse();
        assertThat(lines).as("resuming is a new task, never inside this event").isEmpty();
        ch.runPendingTasks();
        assertThat(lines).containsExactly("NOOP");
        assertThat(ch.config().isAutoRead()).isTrue();
    }

    @Test
    void resumeDecodesNothingOnceTheConnectionIsClosing() {
        flow.pause();
        receive("NOOP\r\n");
        closing = true;

        flow.resume();
        assertThat(lines).isEmpty();
    }

    @Test
    void resumeLetsTheOwnerCloseInstead() {
        flow.pause();
        receive("NOOP\r\n");
        closeInstead = true; // e.g. a shutdown began while the spool wrote

        flow.resume();
        assertThat(lines).isEmpty();
    }

    @Test
    void aDisconnectEndsABudgetPause() {
        DataBudget budget = new DataBudget(100);
        budget.reserve(150);
        flow.budgetUsedUp(budget);

        flow.inactive();
        assertThat(flow.waiting()).isFalse();
    }
}
