package io.modelwarden.connect;

import java.io.StringWriter;
import java.util.UUID;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * What one class really logs through log4j2 while the capture is open (a writer appender on its
 * logger, at the logger's configured level: INFO for io.modelwarden in tests).
 */
public final class LogCapture implements AutoCloseable {
    private final StringWriter text = new StringWriter();
    private final Logger logger;
    private final WriterAppender appender;

    private LogCapture(Class<?> source) {
        logger = (Logger) LogManager.getLogger(source);
        appender = WriterAppender.newBuilder()
                .setName("capture-" + UUID.randomUUID())
                .setTarget(text)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %c{1} - %m%n").build())
                .build();
        appender.start();
        logger.addAppender(appender);
    }

    public static LogCapture of(Class<?> source) {
        return new LogCapture(source);
    }

    /** Everything logged so far. */
    public String text() {
        synchronized (text) {
            return text.toString();
        }
    }

    @Override
    public void close() {
        logger.removeAppender(appender);
        appender.stop();
    }
}
