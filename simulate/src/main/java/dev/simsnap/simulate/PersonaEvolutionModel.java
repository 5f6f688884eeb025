package dev.simsnap.simulate;

import dev.simsnap.schema.generation.PersonaGenotype;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A deterministic sample of persona evolution, pure and in memory. Generation 0 is drawn at random; each member is
 * scored (traits plus noise); generation {@code g + 1} member {@code i} recombines two parents chosen by tournaments
 * of two over generation {@code g}'s scores and mutates its traits, hobbies and age. Draws are keyed by
 * (seed, generation, member index) ({@link Draws}), so a generation is the same however it is computed.
 */
public final class PersonaEvolutionModel {

    private static final String[] FIRST = {"Alice", "Bob", "Chen", "Dana", "Emeka", "Farah", "Goro", "Hana", "Ivan",
        "Jia", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya"};
    private static final String[] OCCUPATIONS = {"Digital Artist", "Software Engineer", "Chef", "Journalist",
        "Biologist", "Musician", "Carpenter", "Pilot"};
    private static final String[] STYLES = {"enthusiastic and visual", "dry and precise", "warm and chatty",
        "terse", "playful"};
    private static final String[] FOCUS = {"digital art trends", "open source", "street food", "climate",
        "jazz", "woodworking", "aviation"};
    private static final String[] POLICIES = {"compliment others' work", "ask questions", "share links",
        "debate politely", "lurk and upvote"};
    private static final String[] VALUES = {"creativity", "freedom", "honesty", "curiosity", "family", "craft",
        "justice", "humor"};
    private static final String[] HOBBIES = {"sketching", "visiting galleries", "hiking", "chess", "baking",
        "running", "gardening", "gaming", "reading"};
    private static final String[] GOALS = {"become famous", "inspire others", "learn daily", "build a community",
        "travel", "teach"};
    private static final String[] TRAITS = {"openness", "conscientiousness", "extraversion", "agreeableness",
        "neuroticism"};

    private final int population;
    private final long seed;
    private int generation = -1;
    private List<PersonaGenotype> members = List.of();
    private List<Double> scores = List.of();

    /** A model before generation 0; {@code population} at least 1. */
    public PersonaEvolutionModel(int population, long seed) {
        if (population < 1) {
            throw new IllegalArgumentException("field 'population': must be at least 1, got " + population);
        }
        this.population = population;
        this.seed = seed;
    }

    /** Computes the next generation (0 first); afterwards {@link #members()} and {@link #scores()} describe it. */
    public int advance() {
        generation++;
        List<PersonaGenotype> next = new ArrayList<>(population);
        for (int i = 0; i < population; i++) {
            next.add(generation == 0 ? random(i) : child(i));
        }
        members = next;
        List<Double> nextScores = new ArrayList<>(population);
        for (int i = 0; i < population; i++) {
            nextScores.add(score(members.get(i), Draws.of(seed, generation, Draws.SCORE, i)));
        }
        scores = nextScores;
        return generation;
    }

    /** The current generation number (-1 before the first {@link #advance()}). */
    public int generation() {
        return generation;
    }

    /** The current generation's members (unmodifiable). */
    public List<PersonaGenotype> members() {
        return List.copyOf(members);
    }

    /** The current generation's scores, one per member. */
    public List<Double> scores() {
        return List.copyOf(scores);
    }

    private PersonaGenotype random(int i) {
        SplittableRandom r = Draws.of(seed, 0, Draws.PERSONA, i);
        Map<String, Double> traits = new TreeMap<>();
        for (String trait : TRAITS) {
            traits.put(trait, round3(r.nextDouble()));
        }
        String occupation = pick(OCCUPATIONS, r);
        return new PersonaGenotype(pick(FIRST, r) + "-" + i, 18 + r.nextInt(60), occupation,
                "A " + occupation.toLowerCase() + " who " + pick(HOBBIES, r) + " on weekends.",
                picks(VALUES, r, 2), picks(HOBBIES, r, 2), traits, pick(STYLES, r), pick(FOCUS, r),
                pick(POLICIES, r), picks(GOALS, r, 2));
    }

    private PersonaGenotype child(int i) {
        SplittableRandom r = Draws.of(seed, generation, Draws.CHILD, i);
        PersonaGenotype a = members.get(tournament(r));
        PersonaGenotype b = members.get(tournament(r));
        Map<String, Double> traits = new TreeMap<>();
        for (String trait : TRAITS) {
            double mixed = (a.getPersonalityTraits().getOrDefault(trait, 0.5)
                    + b.getPersonalityTraits().getOrDefault(trait, 0.5)) / 2 + 0.05 * Draws.gaussian(r);
            traits.put(trait, round3(Math.min(1, Math.max(0, mixed))));
        }
        List<String> hobbies = new ArrayList<>(r.nextBoolean() ? a.getHobbies() : b.getHobbies());
        if (r.nextDouble() < 0.1 && !hobbies.isEmpty()) {
            hobbies.set(r.nextInt(hobbies.size()), pick(HOBBIES, r));
        }
        int age = Math.min(80, Math.max(18, (r.nextBoolean() ? a.getAge() : b.getAge()) + r.nextInt(3) - 1));
        String base = a.getName().contains("-") ? a.getName().substring(0, a.getName().indexOf('-')) : a.getName();
        return new PersonaGenotype(base + "-" + i, age, (r.nextBoolean() ? a : b).getOccupation(),
                (r.nextBoolean() ? a : b).getBackstory(), new ArrayList<>((r.nextBoolean() ? a : b).getCoreValues()),
                hobbies, traits, (r.nextBoolean() ? a : b).getCommunicationStyle(),
                (r.nextBoolean() ? a : b).getTopicalFocus(), (r.nextBoolean() ? a : b).getInteractionPolicy(),
                new ArrayList<>((r.nextBoolean() ? a : b).getGoals()));
    }

    private int tournament(SplittableRandom r) {
        int x = r.nextInt(population);
        int y = r.nextInt(population);
        return scores.get(x) >= scores.get(y) ? x : y;
    }

    private static double score(PersonaGenotype member, SplittableRandom r) {
        Map<String, Double> t = member.getPersonalityTraits();
        double base = t.getOrDefault("openness", 0.0) + t.getOrDefault("agreeableness", 0.0)
                - 0.5 * t.getOrDefault("neuroticism", 0.0);
        return Math.round((base + 0.1 * Draws.gaussian(r)) * 10_000.0) / 10_000.0;
    }

    private static String pick(String[] options, SplittableRandom r) {
        return options[r.nextInt(options.length)];
    }

    private static List<String> picks(String[] options, SplittableRandom r, int count) {
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        while (chosen.size() < count) {
            chosen.add(pick(options, r));
        }
        return new ArrayList<>(chosen);
    }

    private static double round3(double x) {
        return Math.round(x * 1000.0) / 1000.0;
    }
}
