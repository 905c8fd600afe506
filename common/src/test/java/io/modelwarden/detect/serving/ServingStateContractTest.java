package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.synth.AbuseScenarios;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The state contract of every detector in this change: Flink POJOs (public no-arg constructor,
 * public non-final fields of primitives, primitive arrays, strings or string arrays), bounded size at
 * defaults, and detectors that survive Java serialisation (Flink ships them inside functions).
 */
class ServingStateContractTest {
    private static final long MAX_BYTES = 64 * 1024;

    @Test
    void statesArePojosOfPrimitiveArraysAndSmall() throws Exception {
        AbuseScenarios w = AbuseScenarios.create(1);
        Map<String, Object> states = new LinkedHashMap<>();
        states.put(CoverageDetector.ID, new CoverageDetector(CoverageSettings.defaults(), w.baseline()).newState());
        states.put(MembershipProbeDetector.ID, new MembershipProbeDetector(MembershipProbeSettings.defaults(), w.baseline()).newState());
        states.put(InversionDetector.ID, new InversionDetector(InversionSettings.defaults(), w.baseline()).newState());
        states.put(ExplanationAbuseDetector.ID, new ExplanationAbuseDetector(ExplanationAbuseSettings.defaults()).newState());
        states.put(RateDetector.ID, new RateDetector(RateSettings.defaults(), w.baseline()).newState());
        states.put(SimilarityClusterDetector.ID, new SimilarityClusterDetector(SimilarityClusterSettings.defaults(), w.baseline()).newState());
        states.put("split_accounts", new SplitAccountTracker(SplitAccountSettings.defaults()).newState());
        for (Map.Entry<String, Object> e : states.entrySet()) {
            Class<?> type = e.getValue().getClass();
            assertThat(Modifier.isPublic(type.getConstructor().getModifiers())).isTrue();
            long bytes = 0;
            for (Field f : type.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                assertThat(Modifier.isPublic(f.getModifiers()) && !Modifier.isFinal(f.getModifiers())).as(type + "." + f.getName()).isTrue();
                Class<?> t = f.getType();
                boolean allowed = t.isPrimitive() || t == String.class || (t.isArray() && (t.getComponentType().isPrimitive() || t.getComponentType() == String.class));
                assertThat(allowed).as(type.getSimpleName() + "." + f.getName() + " is " + t).isTrue();
                bytes += fieldBytes(f.get(e.getValue()), t);
            }
            // String arrays are counted at 48 B per entry (a ~20-character id); the Javadoc states the estimate.
            System.out.printf("state %-20s %6d bytes at defaults (d = %d)%n", e.getKey(), bytes, AbuseScenarios.FEATURES);
            assertThat(bytes).as(e.getKey()).isLessThan(MAX_BYTES / 8);
        }
    }

    @Test
    void detectorsSurviveJavaSerialisation() throws Exception {
        AbuseScenarios w = AbuseScenarios.create(1);
        List<Object> detectors = List.of(
                new CoverageDetector(CoverageSettings.defaults(), w.baseline()),
                new MembershipProbeDetector(MembershipProbeSettings.defaults(), w.baseline()),
                new InversionDetector(InversionSettings.defaults(), w.baseline()),
                new ExplanationAbuseDetector(ExplanationAbuseSettings.defaults()),
                new RateDetector(RateSettings.defaults(), w.baseline()),
                new SimilarityClusterDetector(SimilarityClusterSettings.defaults(), w.baseline()),
                new SplitAccountTracker(SplitAccountSettings.defaults()));
        for (Object d : detectors) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(d);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                assertThat(in.readObject()).isInstanceOf(d.getClass());
            }
        }
    }

    private static long fieldBytes(Object value, Class<?> t) {
        if (t.isPrimitive()) {
            return t == long.class || t == double.class ? 8 : t == boolean.class || t == byte.class ? 1 : t == short.class || t == char.class ? 2 : 4;
        }
        if (value == null) {
            return 0;
        }
        if (t == String.class) {
            return 48;
        }
        int n = Array.getLength(value);
        Class<?> c = t.getComponentType();
        long each = c == String.class ? 48 : fieldBytes(null, c);
        return 16 + n * each;
    }
}
