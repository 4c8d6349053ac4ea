//! Temporary smoke check (to be deleted).
use mlpipe_plugin_api::tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};
use mlpipe_plugin_api::{Context, Experiment, Record, RecordSink, Split, Values};
use mlpipe_plugin_news20::News20;
use std::time::Instant;

fn main() {
    let lr: f64 = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1e-3);
    let epochs: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(3);
    tch::manual_seed(42);
    let ctx = Context {
        data_source: Some("/work/shared/data/20news-bydate.tar.gz".into()),
        model_names: vec!["bow".into()],
        ..Default::default()
    };
    let t = Instant::now();
    let exp = News20::new(&ctx).unwrap();
    let labels = exp.labels().unwrap();
    println!("labels {} in {:?}: {:?}", labels.len(), t.elapsed(), &labels[..3]);
    let t = Instant::now();
    let mut records: Vec<Record> = Vec::new();
    let mut push = |r| {
        records.push(r);
        Ok(())
    };
    exp.reconcile(&ctx, &mut RecordSink::new(&mut push)).unwrap();
    println!("records {} in {:?}", records.len(), t.elapsed());
    let t = Instant::now();
    let enc = |r: &Record| {
        let f = exp.prepare("bow", r).unwrap();
        let Some(Values::Int(ids)) = f.get("input_ids") else { panic!() };
        (ids.clone(), labels.iter().position(|l| *l == r.label).unwrap() as i64)
    };
    let train: Vec<_> = records.iter().filter(|r| r.split == Some(Split::Train)).map(enc).collect();
    let test: Vec<_> = records.iter().filter(|r| r.split == Some(Split::Test)).map(enc).collect();
    let mean_len = train.iter().map(|(i, _)| i.len()).sum::<usize>() as f64 / train.len() as f64;
    println!("train {} test {} prepared in {:?}, mean ids {mean_len:.0}", train.len(), test.len(), t.elapsed());
    let mut model = exp.load_model("bow", labels.len(), Device::Cpu).unwrap();
    let params: Vec<Tensor> = model.named_parameters().unwrap().into_iter().map(|(_, t)| t).collect();
    let vs = nn::VarStore::new(Device::Cpu);
    for (i, p) in params.iter().enumerate() {
        vs.root().add(&format!("p{i}"), p.shallow_clone(), true);
    }
    let mut opt = nn::Adam::default().build(&vs, lr).unwrap();
    let batch = |docs: &[(Vec<i64>, i64)]| {
        let l = docs.iter().map(|d| d.0.len()).max().unwrap();
        let mut ids = vec![0i64; docs.len() * l];
        let mut mask = vec![0i64; docs.len() * l];
        for (b, (d, _)) in docs.iter().enumerate() {
            for (j, &x) in d.iter().enumerate() {
                ids[b * l + j] = x;
                mask[b * l + j] = 1;
            }
        }
        let y: Vec<i64> = docs.iter().map(|d| d.1).collect();
        (
            Tensor::from_slice(&ids).view([docs.len() as i64, l as i64]),
            Tensor::from_slice(&mask).view([docs.len() as i64, l as i64]),
            Tensor::from_slice(&y),
        )
    };
    let mut order: Vec<usize> = (0..train.len()).collect();
    for epoch in 0..epochs {
        let t = Instant::now();
        model.set_train(true).unwrap();
        let perm = Tensor::randperm(train.len() as i64, (Kind::Int64, Device::Cpu));
        let perm: Vec<i64> = Vec::try_from(perm).unwrap();
        for (i, p) in perm.iter().enumerate() {
            order[i] = *p as usize;
        }
        let mut total = 0.0;
        for chunk in order.chunks(64) {
            let docs: Vec<_> = chunk.iter().map(|&i| train[i].clone()).collect();
            let (ids, mask, y) = batch(&docs);
            let logits = model.forward(&[ids, mask]).unwrap();
            let loss = logits.cross_entropy_for_logits(&y);
            opt.backward_step(&loss);
            total += loss.double_value(&[]);
        }
        model.set_train(false).unwrap();
        let mut correct = 0i64;
        tch::no_grad(|| {
            for chunk in test.chunks(256) {
                let (ids, mask, y) = batch(chunk);
                let pred = model.forward(&[ids, mask]).unwrap().argmax(-1, false);
                correct += pred.eq_tensor(&y).sum(Kind::Int64).int64_value(&[]);
            }
        });
        println!(
            "epoch {epoch}: loss {:.3} test acc {:.4} ({:?})",
            total / (train.len() as f64 / 64.0),
            correct as f64 / test.len() as f64,
            t.elapsed()
        );
    }
}
